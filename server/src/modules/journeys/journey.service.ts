import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { HookPayloads } from '../../shared/hooks.js';
import { conflict, notFound } from '../../shared/app-error.js';
import { hasWriteErrors, isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import { inWindow, localPeriods, nextWindowStart, type SendWindow } from '../broadcasts/send-window.js';
import { JourneyModel, JourneyRunModel, type JourneyRunDoc } from './journey.model.js';
import type { JourneyEdit, JourneyInput, JourneyStep, JourneyTrigger } from './journey.schemas.js';
import type { StepRunner } from './journey-steps.js';
import { PERSONALISED_TRIGGERS } from '../privacy/consent-policy.js';
import { entrantPages, previewEntry, SCANNED_TRIGGERS } from './journey-entrants.js';
import { toProgram } from './journey-program.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const JourneyErrorCode = {
  NAME_TAKEN: 'JOURNEY_NAME_TAKEN',
  PREVIEW_STALE: 'JOURNEY_PREVIEW_STALE',
  EDITED_ELSEWHERE: 'JOURNEY_EDITED_ELSEWHERE',
} as const satisfies Record<string, ErrorCode>;
const LEASE_MS = 60_000;
/** Orders paid after entering a journey, per run (the events module's counted orders). */
export interface OrdersPort {
  paidAfter(tenantId: string, entries: Array<{ customerId: Types.ObjectId; since: Date }>): Promise<number>;
}

/**
 * Lifecycle journeys: enrolment on triggers (hooks for welcome, cart and order; a scan for birthdays
 * and dormancy) and a tick that advances due runs step by step under a lease.
 */
export class JourneyService {
  constructor(
    private readonly deps: Deps,
    private readonly m: { customers: CustomerService; followUps: FollowUpService; steps: StepRunner; orders?: OrdersPort },
  ) {}

  /**
   * A journey switched on at creation is checked like one switched on later: when it would enrol
   * anyone now, the caller must say how many (`expectedEntrants`, read from a preview).
   */
  async create(tenantId: string, input: JourneyInput, createdBy?: string, expectedEntrants?: number) {
    if (input.enabled) await this.confirmEntrants({ tenantId, trigger: input.trigger, steps: input.steps }, expectedEntrants);
    const now = this.deps.now();
    try {
      return (
        await JourneyModel.create({
          tenantId,
          ...input,
          createdBy,
          version: 1,
          versions: [{ version: 1, name: input.name, trigger: input.trigger, steps: input.steps, savedAt: now, savedBy: createdBy }],
        })
      ).toObject();
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict(JourneyErrorCode.NAME_TAKEN, `A journey named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
  }

  /**
   * An edit saves a new version; runs in progress keep the version they started on (the runner reads
   * their steps from `versions`), new runs start on the new one. `baseVersion` is the version the
   * editor loaded: a save over someone else's newer one is refused. Changing the trigger of a journey
   * that is on is checked like switching it on (the new trigger may select customers at once).
   */
  async update(tenantId: string, id: string, input: JourneyEdit, opts: { baseVersion?: number; expectedEntrants?: number; savedBy?: string } = {}) {
    const cur = await this.get(tenantId, id);
    const version = cur.version ?? 1;
    if (opts.baseVersion !== undefined && opts.baseVersion !== version) throw this.editedElsewhere(version);
    const triggerChanged = JSON.stringify(cur.trigger) !== JSON.stringify(input.trigger);
    if (cur.enabled && triggerChanged)
      await this.confirmEntrants({ _id: cur._id, tenantId, trigger: input.trigger, steps: input.steps }, opts.expectedEntrants);
    const now = this.deps.now();
    const saved = { version: version + 1, name: input.name, trigger: input.trigger, steps: input.steps, savedAt: now, savedBy: opts.savedBy };
    // A journey from before versions gets its first version recorded with its second.
    const history = cur.versions?.length
      ? [saved]
      : [
          { version, name: cur.name, trigger: cur.trigger, steps: cur.steps, savedAt: (cur as { createdAt?: Date }).createdAt ?? now, savedBy: cur.createdBy },
          saved,
        ];
    try {
      const doc = await JourneyModel.findOneAndUpdate(
        { tenantId, _id: cur._id, ...(cur.version === undefined ? { version: { $exists: false } } : { version }) },
        {
          $set: { name: input.name, trigger: input.trigger, steps: input.steps, version: version + 1 },
          ...(triggerChanged ? { $unset: { scannedDay: 1 } } : {}),
          $push: { versions: { $each: history } },
        },
        { returnDocument: 'after' },
      ).lean();
      if (!doc) throw this.editedElsewhere(version + 1);
      return doc;
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict(JourneyErrorCode.NAME_TAKEN, `A journey named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
  }

  private editedElsewhere(current: number) {
    return conflict(JourneyErrorCode.EDITED_ELSEWHERE, `The journey was saved by someone else meanwhile (now version ${current}); reload it and edit again`, {
      version: current,
    });
  }

  /** What switching the journey on would do now (see journey-entrants.ts). */
  async preview(tenantId: string, id: string) {
    const j = await this.get(tenantId, id);
    return {
      version: j.version ?? 1,
      enabled: j.enabled,
      ...(await this.previewOf({ _id: j._id, tenantId, trigger: j.trigger as JourneyTrigger, steps: j.steps as JourneyStep[] })),
    };
  }

  private previewOf(j: Parameters<typeof previewEntry>[1]) {
    return previewEntry(this.m.customers, j, this.deps.now(), this.deps.config.BROADCAST_TIMEZONE);
  }

  /** Refuses to switch on blind: when anyone would enter now, the caller's figure must be today's. */
  private async confirmEntrants(j: Parameters<typeof previewEntry>[1], expected: number | undefined) {
    if (!SCANNED_TRIGGERS.has(j.trigger.type)) return;
    const { entrants, coupons, messages } = await this.previewOf(j);
    if (entrants === 0 || expected === entrants) return;
    throw conflict(
      JourneyErrorCode.PREVIEW_STALE,
      expected === undefined
        ? `Switching this journey on enrols ${entrants} customers now; preview it and send expectedEntrants: ${entrants} to confirm`
        : `Switching this journey on now enrols ${entrants} customers, not ${expected}; look at the preview again and confirm`,
      { entrants, expected: expected ?? null, coupons, messages },
    );
  }

  async list(tenantId: string) {
    return JourneyModel.find({ tenantId }).sort({ createdAt: -1 }).lean();
  }

  async get(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await JourneyModel.findOne({ tenantId, _id: id }).lean() : null;
    if (!doc) throw notFound('Journey');
    return doc;
  }

  /**
   * Switching on is checked against the preview (`expectedEntrants`); it clears the day's scan mark so
   * the next tick enrols exactly the customers the preview counted, not tomorrow.
   */
  async setEnabled(tenantId: string, id: string, enabled: boolean, expectedEntrants?: number) {
    const cur = await this.get(tenantId, id);
    if (enabled && !cur.enabled)
      await this.confirmEntrants({ _id: cur._id, tenantId, trigger: cur.trigger as JourneyTrigger, steps: cur.steps as JourneyStep[] }, expectedEntrants);
    const switchingOn = enabled && !cur.enabled;
    const doc = await JourneyModel.findOneAndUpdate(
      { tenantId, _id: id },
      { $set: { enabled }, ...(switchingOn ? { $unset: { scannedDay: 1 } } : {}) },
      { returnDocument: 'after' },
    ).lean();
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
    const out = {
      runs: { active: 0, done: 0, exited: 0 },
      sent: 0,
      skipped: {} as Record<string, number>,
      failed: 0,
      coupons: 0,
      tasks: 0,
      orderedAfterEntering: 0,
      revenueAfterEntering: 0,
    };
    let after: Types.ObjectId | null = null;
    for (;;) {
      const page: JourneyRunDoc[] = await JourneyRunModel.find({ tenantId, journeyId, ...(after ? { _id: { $gt: after } } : {}) })
        .select({ state: 1, log: 1, customerId: 1, startedAt: 1 })
        .sort({ _id: 1 })
        .limit(1000)
        .lean();
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
      const lastOrder = await this.m.customers.lastOrderDates(
        tenantId,
        page.map((r) => r.customerId),
      );
      for (const r of page) {
        const last = lastOrder.get(String(r.customerId));
        if (last && last > r.startedAt) out.orderedAfterEntering++;
      }
      // Fen paid by the run's customer after entering (each order once, per run).
      if (this.m.orders)
        out.revenueAfterEntering += await this.m.orders.paidAfter(
          tenantId,
          page.map((r) => ({ customerId: r.customerId, since: r.startedAt })),
        );
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

  /** Loyalty's expiry reminder: 积分即将过期 journeys, once per expiring lot. */
  onPointsExpiring({ tenantId, customerId, expiresAt }: HookPayloads['loyalty.points_expiring']) {
    return this.enrollByTrigger(tenantId, 'points.expiring', customerId, `points:${expiresAt.getTime()}`);
  }

  private async enrollForEvents(
    tenantId: string,
    events: Array<{ customerId: string; event: { eventId: string; type: string; data?: Record<string, unknown> } }>,
  ) {
    const triggering = events.filter(({ event }) => event.type === 'cart.added' || event.type === 'order.paid');
    if (!triggering.length) return;
    const types = [...new Set(triggering.map(({ event }) => event.type))];
    const journeys = await JourneyModel.find({ tenantId, enabled: true, 'trigger.type': { $in: types } }).lean();
    for (const j of journeys) {
      const mine = triggering.filter(({ event }) => event.type === j.trigger?.type);
      const occurrence = ({ event }: (typeof mine)[number]) =>
        event.type === 'order.paid' && event.data?.orderId ? `order:${event.data.orderId}` : `event:${event.eventId}`;
      await this.enroll(
        tenantId,
        j,
        mine.map((e) => new Types.ObjectId(e.customerId)),
        (i) => occurrence(mine[i]),
      );
    }
  }

  private async enrollByTrigger(tenantId: string, type: JourneyTrigger['type'], customerId: string, occurrence: string, delayMs = 0) {
    const journeys = await JourneyModel.find({ tenantId, enabled: true, 'trigger.type': type }).lean();
    for (const j of journeys) await this.enroll(tenantId, j, [new Types.ObjectId(customerId)], occurrence, delayMs);
  }

  /** Starts runs; the unique (journey, customer, occurrence) key turns a repeat into a no-op. */
  private async enroll(
    tenantId: string,
    journey: { _id: Types.ObjectId; version?: number | null },
    customerIds: Types.ObjectId[],
    occurrence: string | ((i: number) => string),
    delayMs = 0,
  ): Promise<void> {
    if (!customerIds.length) return;
    const now = this.deps.now();
    // The run keeps the version it starts on, whatever edits come after.
    const rows = customerIds.map((customerId, i) => ({
      tenantId,
      journeyId: journey._id,
      version: journey.version ?? 1,
      customerId,
      occurrence: typeof occurrence === 'string' ? occurrence : occurrence(i),
      state: 'active',
      step: 0,
      nextAt: new Date(now.getTime() + delayMs),
      startedAt: now,
      log: [],
    }));
    try {
      await JourneyRunModel.collection.insertMany(rows, { ordered: false });
    } catch (err) {
      if (!isDuplicateKeyError(err) && !hasWriteErrors(err)) throw err;
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
    const journeys = await JourneyModel.find({ enabled: true, 'trigger.type': { $in: [...SCANNED_TRIGGERS] }, scannedDay: { $ne: day } })
      .select({ versions: 0 })
      .lean();
    for (const j of journeys) {
      // The selection the preview counts (journey-entrants.ts).
      for await (const page of entrantPages(this.m.customers, j.tenantId, j.trigger as JourneyTrigger, now, this.deps.config.BROADCAST_TIMEZONE)) {
        await this.enroll(j.tenantId, j, page.customerIds, page.occurrence);
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

  /** The trigger and steps a run executes: those of the version it started on. */
  private async versionFor(run: JourneyRunDoc): Promise<{ enabled: boolean; trigger: JourneyTrigger; steps: JourneyStep[] } | null> {
    const journey = await JourneyModel.findOne({ _id: run.journeyId, tenantId: run.tenantId }).select({ enabled: 1, version: 1, trigger: 1, steps: 1 }).lean();
    if (!journey) return null;
    const current = journey.version ?? 1;
    if ((run.version ?? 1) === current) return { enabled: journey.enabled, trigger: journey.trigger as JourneyTrigger, steps: journey.steps as JourneyStep[] };
    const [doc] = await JourneyModel.find({ _id: run.journeyId }, { versions: { $elemMatch: { version: run.version ?? 1 } } }).lean();
    const old = doc?.versions?.[0];
    // A run from before versions on a journey since edited started on the first recorded version.
    return old
      ? { enabled: journey.enabled, trigger: old.trigger as JourneyTrigger, steps: old.steps as JourneyStep[] }
      : { enabled: journey.enabled, trigger: journey.trigger as JourneyTrigger, steps: journey.steps as JourneyStep[] };
  }

  /**
   * Runs steps until a wait, the end, or an exit; each step is recorded before the next begins. A
   * condition that does not hold moves the run to its "no" branch where it has one (journey-program.ts).
   */
  private async advance(run: JourneyRunDoc): Promise<void> {
    const journey = await this.versionFor(run);
    if (!journey?.enabled) {
      await JourneyRunModel.updateOne(
        { _id: run._id },
        { $set: { state: 'exited', leaseUntil: null }, $push: { log: { step: run.step, type: 'journey', outcome: 'journey disabled', at: this.deps.now() } } },
      );
      return;
    }
    const program = toProgram(journey.steps);
    for (let i = run.step; i < program.length;) {
      const step = program[i];
      const now = this.deps.now();
      if (step.type === 'end') break;
      if (step.type === 'wait') {
        await JourneyRunModel.updateOne(
          { _id: run._id, step: i },
          {
            $set: { step: i + 1, nextAt: new Date(now.getTime() + step.hours * 3_600_000), leaseUntil: null },
            $push: { log: { step: i, type: 'wait', outcome: `until +${step.hours}h`, at: now } },
          },
        );
        return;
      }
      const window = this.sendWindow();
      if (step.type === 'send' && window && !inWindow(now, window)) {
        // Quiet hours: the message waits for the window to open (a birthday found at 00:01 is greeted at 09:00).
        const at = nextWindowStart(now, window);
        await JourneyRunModel.updateOne(
          { _id: run._id, step: i },
          {
            $set: { nextAt: at, leaseUntil: null },
            $push: { log: { step: i, type: 'send', outcome: `deferred to ${at.toISOString()} (quiet hours)`, at: now } },
          },
        );
        return;
      }
      const outcome = await this.m.steps.run(run, step, i, { personalised: PERSONALISED_TRIGGERS.has(journey.trigger?.type ?? '') });
      const noAt = step.type === 'condition' && outcome.conditionFailed ? step.noAt : undefined;
      if (outcome.exit && noAt === undefined) {
        await JourneyRunModel.updateOne(
          { _id: run._id, step: i },
          { $set: { state: 'exited', leaseUntil: null }, $push: { log: { step: i, type: step.type, outcome: outcome.note, at: now } } },
        );
        return;
      }
      const next = noAt ?? i + 1;
      const moved = await JourneyRunModel.updateOne(
        { _id: run._id, step: i },
        { $set: { step: next }, $unset: { sendingSince: 1 }, $push: { log: { step: i, type: step.type, outcome: outcome.note, at: now } } },
      );
      if (!moved.modifiedCount) return; // another worker took the run over after our lease ran out
      i = next;
    }
    await JourneyRunModel.updateOne({ _id: run._id }, { $set: { state: 'done', leaseUntil: null } });
  }
}
