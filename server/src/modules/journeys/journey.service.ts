import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { HookPayloads } from '../../shared/hooks.js';
import { conflict, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerService, ProfilePage } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import { inWindow, localPeriods, nextWindowStart, type SendWindow } from '../broadcasts/send-window.js';
import { JourneyModel, JourneyRunModel } from './journey.model.js';
import type { JourneyInput, JourneyTrigger } from './journey.schemas.js';
import type { StepRunner } from './journey-steps.js';
import { PERSONALISED_TRIGGERS } from '../privacy/consent-policy.js';

export const JourneyErrorCode = { NAME_TAKEN: 'JOURNEY_NAME_TAKEN' } as const;
const DAY_MS = 86_400_000;
const LEASE_MS = 60_000;

/**
 * Lifecycle journeys: enrolment on triggers (hooks for welcome, cart and order; a scan for birthdays
 * and dormancy) and a tick that advances due runs step by step under a lease.
 */
export class JourneyService {
  constructor(
    private readonly deps: Deps,
    private readonly m: { customers: CustomerService; followUps: FollowUpService; steps: StepRunner },
  ) {}

  async create(tenantId: string, input: JourneyInput, createdBy?: string) {
    try {
      return (await JourneyModel.create({ tenantId, ...input, createdBy })).toObject();
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict(JourneyErrorCode.NAME_TAKEN, `A journey named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
  }

  async list(tenantId: string) {
    return JourneyModel.find({ tenantId }).sort({ createdAt: -1 }).lean();
  }

  async get(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await JourneyModel.findOne({ tenantId, _id: id }).lean() : null;
    if (!doc) throw notFound('Journey');
    return doc;
  }

  async setEnabled(tenantId: string, id: string, enabled: boolean) {
    const doc = await JourneyModel.findOneAndUpdate({ tenantId, _id: id }, { $set: { enabled } }, { returnDocument: 'after' }).lean();
    if (!doc) throw notFound('Journey');
    return doc;
  }

  async runs(tenantId: string, journeyId: string, limit = 100) {
    return JourneyRunModel.find({ tenantId, journeyId }).sort({ startedAt: -1 }).limit(limit).lean();
  }

  /**
   * What a journey did, from its runs' logs: runs by state, messages sent / skipped (by reason) /
   * failed, coupons issued, tasks created, and customers who ordered after they entered it.
   */
  async stats(tenantId: string, journeyId: string) {
    const out = { runs: { active: 0, done: 0, exited: 0 }, sent: 0, skipped: {} as Record<string, number>, failed: 0, coupons: 0, tasks: 0, orderedAfterEntering: 0 };
    let after: Types.ObjectId | null = null;
    for (;;) {
      const page: any[] = await JourneyRunModel.find({ tenantId, journeyId, ...(after ? { _id: { $gt: after } } : {}) }).select({ state: 1, log: 1, customerId: 1, startedAt: 1 }).sort({ _id: 1 }).limit(1000).lean();
      if (!page.length) break;
      after = page[page.length - 1]._id;
      for (const r of page) {
        out.runs[r.state as keyof typeof out.runs]++;
        for (const l of r.log ?? []) {
          const o: string = l.outcome ?? '';
          if (l.type === 'send') {
            if (o.startsWith('sent')) out.sent++;
            else if (o.startsWith('skipped: ')) out.skipped[o.slice(9)] = (out.skipped[o.slice(9)] ?? 0) + 1;
            else if (o.startsWith('failed')) out.failed++;
          } else if (l.type === 'coupon' && o.startsWith('coupon ') && !o.startsWith('coupon failed') && !o.startsWith('coupon skipped')) out.coupons++;
          else if (l.type === 'task' && o.startsWith('task ')) out.tasks++;
        }
      }
      const lastOrder = await this.m.customers.lastOrderDates(tenantId, page.map((r) => r.customerId));
      for (const r of page) {
        const last = lastOrder.get(String(r.customerId));
        if (last && last > r.startedAt) out.orderedAfterEntering++;
      }
    }
    return out;
  }

  /** Runs by state for each journey, for the list (one aggregation over the runs, not a scan of their logs). */
  async runCounts(tenantId: string, journeyIds: string[]): Promise<Map<string, { active: number; done: number; exited: number }>> {
    const out = new Map(journeyIds.map((id) => [id, { active: 0, done: 0, exited: 0 }]));
    if (!journeyIds.length) return out;
    const rows: Array<{ _id: { j: Types.ObjectId; s: 'active' | 'done' | 'exited' }; n: number }> = await JourneyRunModel.aggregate([
      { $match: { journeyId: { $in: journeyIds.map((id) => new Types.ObjectId(id)) }, tenantId } },
      { $group: { _id: { j: '$journeyId', s: '$state' }, n: { $sum: 1 } } },
    ]);
    for (const r of rows) {
      const counts = out.get(String(r._id.j));
      if (counts && r._id.s in counts) counts[r._id.s] = r.n;
    }
    return out;
  }

  /** Journey names by id, for a customer's runs (the sales sidebar cannot list journeys). */
  async namesOf(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const docs = ids.length ? await JourneyModel.find({ tenantId, _id: { $in: ids } }, { name: 1 }).lean() : [];
    return new Map(docs.map((d) => [String(d._id), d.name]));
  }

  async runsForCustomer(tenantId: string, customerId: string) {
    return JourneyRunModel.find({ tenantId, customerId }).sort({ startedAt: -1 }).limit(50).lean();
  }

  /**
   * Event triggers, once per ingested batch: the journeys are read once, each one's runs inserted
   * together (one per event). A paid order's occurrence is its orderId, so an order a shop resends
   * under a new eventId does not start the journey again.
   */
  /** A new profile: the welcome journeys (a minute's grace: the WeCom adapter records when the contact was added just after creating the profile). */
  onCustomerCreated({ tenantId, customerId }: HookPayloads['customer.created']) {
    return this.enrollByTrigger(tenantId, 'customer.created', customerId, 'once', 60_000);
  }

  /** An ingested batch: cart and order journeys. */
  onEventBatch({ tenantId, events }: HookPayloads['event.batch_accepted']) {
    return this.enrollForEvents(tenantId, events);
  }

  /** The churn sweep's warning: win-back journeys, once per dormancy. */
  onCustomerAtRisk({ tenantId, customerId, basedOn }: HookPayloads['customer.at_risk']) {
    return this.enrollByTrigger(tenantId, 'churn.at_risk', customerId, `churn:${basedOn.getTime()}`);
  }

  private async enrollForEvents(tenantId: string, events: Array<{ customerId: string; event: { eventId: string; type: string; data?: Record<string, unknown> } }>) {
    const triggering = events.filter(({ event }) => event.type === 'cart.added' || event.type === 'order.paid');
    if (!triggering.length) return;
    const types = [...new Set(triggering.map(({ event }) => event.type))];
    const journeys = await JourneyModel.find({ tenantId, enabled: true, 'trigger.type': { $in: types } }).lean();
    for (const j of journeys) {
      const mine = triggering.filter(({ event }) => event.type === j.trigger?.type);
      const occurrence = ({ event }: (typeof mine)[number]) => (event.type === 'order.paid' && event.data?.orderId ? `order:${event.data.orderId}` : `event:${event.eventId}`);
      await this.enroll(tenantId, j._id, mine.map((e) => new Types.ObjectId(e.customerId)), (i) => occurrence(mine[i]));
    }
  }

  private async enrollByTrigger(tenantId: string, type: JourneyTrigger['type'], customerId: string, occurrence: string, delayMs = 0) {
    const journeys = await JourneyModel.find({ tenantId, enabled: true, 'trigger.type': type }).lean();
    for (const j of journeys) await this.enroll(tenantId, j._id, [new Types.ObjectId(customerId)], occurrence, delayMs);
  }

  /** Starts runs; the unique (journey, customer, occurrence) key turns a repeat into a no-op. */
  private async enroll(tenantId: string, journeyId: Types.ObjectId, customerIds: Types.ObjectId[], occurrence: string | ((i: number) => string), delayMs = 0): Promise<void> {
    if (!customerIds.length) return;
    const now = this.deps.now();
    const rows = customerIds.map((customerId, i) => ({
      tenantId, journeyId, customerId, occurrence: typeof occurrence === 'string' ? occurrence : occurrence(i), state: 'active', step: 0, nextAt: new Date(now.getTime() + delayMs), startedAt: now, log: [],
    }));
    try {
      await JourneyRunModel.collection.insertMany(rows, { ordered: false });
    } catch (err) {
      if (!isDuplicateKeyError(err) && !(err as any)?.writeErrors) throw err;
    }
  }

  /**
   * Date-driven triggers: today's birthdays (local date) and customers past the dormancy threshold.
   * Each journey is scanned once per local day, through every match page by page; `scannedDay` is
   * written last, so a scan cut short is simply done again (enrolment is idempotent).
   */
  async scanTriggers(): Promise<void> {
    const now = this.deps.now();
    const { day } = localPeriods(now, this.deps.config.BROADCAST_TIMEZONE);
    const [year, month, date] = day.split('-').map(Number);
    const journeys = await JourneyModel.find({ enabled: true, 'trigger.type': { $in: ['birthday', 'dormant'] }, scannedDay: { $ne: day } }).lean();
    for (const j of journeys) {
      const t = j.trigger as JourneyTrigger;
      let after: Types.ObjectId | null = null;
      for (;;) {
        const page: ProfilePage =
          t.type === 'birthday'
            ? await this.m.customers.bornOnPage(j.tenantId, month, date, after)
            : await this.m.customers.dormantBuyersPage(j.tenantId, new Date(now.getTime() - (t as { days: number }).days * DAY_MS), after);
        if (!page.length) break;
        // Birthdays once a year; dormancy once per silence (a new order and a new silence make a new occurrence).
        await this.enroll(j.tenantId, j._id, page.map((c) => c._id), t.type === 'birthday' ? `birthday:${year}` : (i) => `dormant:${page[i].aggregates!.lastOrderAt!.getTime()}`);
        after = page[page.length - 1]._id;
      }
      await JourneyModel.updateOne({ _id: j._id }, { $set: { scannedDay: day } });
    }
  }

  /** The journeys job: enrol from date triggers, then advance every due run. */
  async tick(limit = 500): Promise<number> {
    await this.scanTriggers();
    let done = 0;
    for (; done < limit; done++) {
      const now = this.deps.now();
      const run = await JourneyRunModel.findOneAndUpdate(
        { state: 'active', nextAt: { $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        { $set: { leaseUntil: new Date(now.getTime() + LEASE_MS) } },
        { returnDocument: 'after', sort: { nextAt: 1 } },
      ).lean();
      if (!run) break;
      try {
        await this.advance(run);
      } catch (err) {
        // One run's outage (WeCom down, a bad coupon template) must not stall the others; its lease
        // runs out and the same step is tried again, a send first checked against WeCom.
        this.deps.log.warn({ runId: String(run._id), err: (err as Error).message }, 'journey step failed; will retry');
      }
    }
    return done;
  }

  private sendWindow(): SendWindow | undefined {
    const w = this.deps.config.JOURNEY_SEND_WINDOW;
    if (w === 'always') return undefined;
    const [start, end] = w.split('-');
    return { start, end, timezone: this.deps.config.BROADCAST_TIMEZONE };
  }

  /** Runs steps until a wait, the end, or an exit; each step is recorded before the next begins. */
  private async advance(run: any): Promise<void> {
    const journey = await JourneyModel.findOne({ _id: run.journeyId, tenantId: run.tenantId }).lean();
    if (!journey?.enabled) {
      await JourneyRunModel.updateOne({ _id: run._id }, { $set: { state: 'exited', leaseUntil: null }, $push: { log: { step: run.step, type: 'journey', outcome: 'journey disabled', at: this.deps.now() } } });
      return;
    }
    for (let i = run.step; i < journey.steps.length; i++) {
      const step = journey.steps[i] as any;
      const now = this.deps.now();
      if (step.type === 'wait') {
        await JourneyRunModel.updateOne({ _id: run._id, step: i }, { $set: { step: i + 1, nextAt: new Date(now.getTime() + step.hours * 3_600_000), leaseUntil: null }, $push: { log: { step: i, type: 'wait', outcome: `until +${step.hours}h`, at: now } } });
        return;
      }
      const window = this.sendWindow();
      if (step.type === 'send' && window && !inWindow(now, window)) {
        // Quiet hours: the message waits for the window to open (a birthday found at 00:01 is greeted at 09:00).
        const at = nextWindowStart(now, window);
        await JourneyRunModel.updateOne({ _id: run._id, step: i }, { $set: { nextAt: at, leaseUntil: null }, $push: { log: { step: i, type: 'send', outcome: `deferred to ${at.toISOString()} (quiet hours)`, at: now } } });
        return;
      }
      const outcome = await this.m.steps.run(run, step, i, { personalised: PERSONALISED_TRIGGERS.has((journey.trigger as { type?: string })?.type ?? '') });
      if (outcome.exit) {
        await JourneyRunModel.updateOne({ _id: run._id, step: i }, { $set: { state: 'exited', leaseUntil: null }, $push: { log: { step: i, type: step.type, outcome: outcome.note, at: now } } });
        return;
      }
      const moved = await JourneyRunModel.updateOne({ _id: run._id, step: i }, { $set: { step: i + 1 }, $unset: { sendingSince: 1 }, $push: { log: { step: i, type: step.type, outcome: outcome.note, at: now } } });
      if (!moved.modifiedCount) return; // another worker took the run over after our lease ran out
    }
    await JourneyRunModel.updateOne({ _id: run._id }, { $set: { state: 'done', leaseUntil: null } });
  }
}
