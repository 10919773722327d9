import type { Deps } from '../../shared/deps.js';
import { placeholdersIn, render } from '../broadcasts/placeholders.js';
import type { LoyaltyFactsPort } from '../broadcasts/recipient-content.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { ChannelProvider } from '../broadcasts/channels/channel.provider.js';
import type { CouponPort } from '../broadcasts/broadcast-dispatch.service.js';
import type { FrequencyCapService } from '../broadcasts/frequency-cap.service.js';
import { JourneyRunModel, type JourneyRunDoc } from './journey.model.js';
import type { JourneyStep } from './journey.schemas.js';
import type { ProgramStep } from './journey-program.js';
import { marketingBlock } from '../privacy/consent-policy.js';

const NEW_CONTACT_MS = 2 * 86_400_000;

export interface StepOutcome {
  note: string;
  exit?: boolean;
  /** A condition that did not hold (the run takes the condition's "no" branch where it has one). */
  conditionFailed?: boolean;
}

/**
 * Executes one journey step for one run. Every effect carries the key `journey:<run>:<step>`: the
 * coupon's issue key, the follow-up's dedupe key, the frequency-cap slot; a send records when it
 * began, so after a crash the channel is asked before sending again.
 */
export class StepRunner {
  constructor(
    private readonly deps: Deps,
    private readonly m: {
      customers: CustomerService;
      followUps: FollowUpService;
      provider: ChannelProvider;
      caps: FrequencyCapService;
      optedOut: (tenantId: string, customerId: string) => Promise<boolean>;
      coupons?: CouponPort;
      tierOf?: (tenantId: string, customerId: string) => Promise<string | undefined>;
      loyalty?: LoyaltyFactsPort;
    },
  ) {}

  private async personal(tenantId: string, customerId: string, name: string | null | undefined, text: string): Promise<{ text: string } | { reason: string }> {
    const used = placeholdersIn(text);
    if (!used.length) return { text };
    const member =
      used.includes('points') || used.includes('tier') ? (await this.m.loyalty?.placeholderFacts(tenantId, [customerId]))?.get(customerId) : undefined;
    const filled = render({ text }, { name, ...member });
    return filled.ok ? { text: filled.content.text } : { reason: filled.reason };
  }

  async run(
    run: JourneyRunDoc,
    step: Exclude<JourneyStep, { type: 'wait' }> | Exclude<ProgramStep, { type: 'wait' | 'end' }>,
    index: number,
    options: { personalised?: boolean } = {},
  ): Promise<StepOutcome> {
    const tenantId: string = run.tenantId;
    const customerId = String(run.customerId);
    const key = `journey:${run._id}:${index}`;
    const c = await this.m.customers.recipientProfile(tenantId, run.customerId);
    if (!c || c.status !== 'active') return { note: 'profile gone', exit: true };
    switch (step.type) {
      case 'condition': {
        if (step.check === 'newContact') {
          const since = c.wecom?.addedAt ?? (c as { createdAt?: Date }).createdAt;
          const fresh = since && since.getTime() >= this.deps.now().getTime() - NEW_CONTACT_MS;
          return fresh
            ? { note: 'a new contact' }
            : { note: `not a new contact (added ${since?.toISOString() ?? 'unknown'})`, exit: true, conditionFailed: true };
        }
        if (step.check === 'wecomActive')
          return c.wecom?.relation === 'active' ? { note: 'wecom contact active' } : { note: 'not a WeCom contact', exit: true, conditionFailed: true };
        const last = c.aggregates?.lastOrderAt;
        return last && last > run.startedAt
          ? { note: 'ordered since the journey began', exit: true, conditionFailed: true }
          : { note: 'no order since the journey began' };
      }
      case 'send': {
        const blocked = marketingBlock(c.consents, await this.m.optedOut(tenantId, customerId), options.personalised);
        if (blocked) return { note: `skipped: ${blocked}` };
        const addr = (
          await this.m.provider.address(tenantId, [{ customerId, ownerStaffId: c.ownerStaffId, identities: c.identities, wecomRelation: c.wecom?.relation }])
        ).get(customerId);
        if (!addr?.ok) return { note: `skipped: ${addr?.reason ?? 'no_address'}` };
        // The broadcasts' renderer: the same placeholders filled the same way; one that cannot be filled skips the step.
        const text = await this.personal(tenantId, customerId, c.name, step.text);
        if ('reason' in text) return { note: `skipped: ${text.reason}` };
        const row = { deliveryId: key, customerId, address: { sender: addr.sender, to: addr.to }, content: { text: text.text } };
        if (run.sendingSince) {
          const found = await this.m.provider.alreadySent(tenantId, [row], new Date(run.sendingSince));
          if (found.has(key)) return { note: `sent (confirmed after restart) ${found.get(key)}` };
        }
        if (!(await this.m.caps.claim(tenantId, customerId, key))) return { note: 'skipped: frequency_cap' };
        await JourneyRunModel.updateOne({ _id: run._id, step: index }, { $set: { sendingSince: this.deps.now() } });
        const [outcome] = await this.m.provider.send(tenantId, [row]);
        return { note: outcome.ok ? `sent ${outcome.providerRef ?? ''}`.trim() : `failed: ${outcome.error}` };
      }
      case 'coupon': {
        const coupons = this.m.coupons;
        if (!coupons) return { note: 'coupon skipped: loyalty unavailable' };
        const tier = step.byTier ? await this.m.tierOf?.(tenantId, customerId) : undefined;
        const templateId = (tier && step.byTier?.[tier]) || step.templateId;
        try {
          const coupon = await coupons.issue(tenantId, { templateId, customerId, channel: 'campaign', issueKey: key });
          return { note: `coupon ${coupon?.code ?? ''} from ${templateId}${tier ? ` (tier ${tier})` : ''}`.trim() };
        } catch (err) {
          return { note: `coupon failed: ${(err as Error).message}` };
        }
      }
      case 'tag':
        await this.m.customers.tag(tenantId, customerId, [step.tagId], []);
        return { note: `tagged ${step.tagId}` };
      case 'task': {
        const task = await this.m.followUps.create(tenantId, {
          customerId,
          assigneeId: c.ownerStaffId ?? undefined,
          title: step.title.replace('{name}', c.name ?? '客户'),
          dueAt: new Date(this.deps.now().getTime() + step.dueInHours * 3_600_000),
          source: 'journey',
          dedupeKey: key,
        });
        return { note: `task ${task?._id}` };
      }
    }
  }
}
