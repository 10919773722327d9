import type { Types } from 'mongoose';
import type { CustomerService, ProfilePage } from '../customers/customer.service.js';
import { localPeriods } from '../broadcasts/send-window.js';
import { JourneyRunModel } from './journey.model.js';
import type { JourneyStep, JourneyTrigger } from './journey.schemas.js';

const DAY_MS = 86_400_000;
/** Triggers that enrol customers who already qualify (the daily scan); the others wait for events. */
export const SCANNED_TRIGGERS = new Set(['birthday', 'dormant']);
const SAMPLE = 5;

export interface EntrantPage {
  customerIds: Types.ObjectId[];
  occurrence: (i: number) => string;
}

/** What switching a journey on would do now: who enters at the next tick and what their first steps do. */
export interface EntryPreview {
  /** Whether the trigger enrols customers who already qualify; event triggers enrol only as events arrive. */
  enrolsExisting: boolean;
  entrants: number;
  sample: string[];
  /** The steps every entrant reaches at once (up to the first wait or condition), each with how many it would act on at most. */
  firstSteps: Array<{ step: number; type: JourneyStep['type']; upTo: number }>;
  coupons: number;
  messages: number;
  tasks: number;
  tags: number;
}

/**
 * Who a journey's date trigger selects: one selection, read by the daily scan that enrols and by the
 * preview that counts, so the figure a manager confirms is the one enrolment then uses. Pages in
 * profile order; each customer with the occurrence the run is keyed by (a birthday year, a dormancy).
 */
export async function* entrantPages(
  customers: CustomerService,
  tenantId: string,
  trigger: JourneyTrigger,
  now: Date,
  timezone: string,
): AsyncGenerator<EntrantPage> {
  if (!SCANNED_TRIGGERS.has(trigger.type)) return;
  const { day } = localPeriods(now, timezone);
  const [year, month, date] = day.split('-').map(Number);
  let after: Types.ObjectId | null = null;
  for (;;) {
    const page: ProfilePage =
      trigger.type === 'birthday'
        ? await customers.bornOnPage(tenantId, month, date, after)
        : await customers.dormantBuyersPage(tenantId, new Date(now.getTime() - (trigger as { days: number }).days * DAY_MS), after);
    if (!page.length) return;
    // Birthdays once a year; dormancy once per silence (a new order and a new silence make a new occurrence).
    yield {
      customerIds: page.map((c) => c._id),
      occurrence: trigger.type === 'birthday' ? () => `birthday:${year}` : (i) => `dormant:${page[i].aggregates!.lastOrderAt!.getTime()}`,
    };
    after = page[page.length - 1]._id;
  }
}

/**
 * The preview: the selection less those already in the journey for the same occurrence (the run's
 * unique key makes their enrolment a no-op), a few of them for the sample, and the first steps' reach.
 */
export async function previewEntry(
  customers: CustomerService,
  journey: { _id?: Types.ObjectId; tenantId: string; trigger: JourneyTrigger; steps: JourneyStep[] },
  now: Date,
  timezone: string,
): Promise<Omit<EntryPreview, 'sample'> & { sampleIds: string[] }> {
  let entrants = 0;
  const sampleIds: string[] = [];
  for await (const page of entrantPages(customers, journey.tenantId, journey.trigger, now, timezone)) {
    const existing = journey._id
      ? await JourneyRunModel.find({ tenantId: journey.tenantId, journeyId: journey._id, customerId: { $in: page.customerIds } })
          .select({ customerId: 1, occurrence: 1 })
          .lean()
      : [];
    const taken = new Set(existing.map((r) => `${r.customerId}|${r.occurrence}`));
    page.customerIds.forEach((id, i) => {
      if (taken.has(`${id}|${page.occurrence(i)}`)) return;
      entrants++;
      if (sampleIds.length < SAMPLE) sampleIds.push(String(id));
    });
  }
  const firstSteps: EntryPreview['firstSteps'] = [];
  for (const [i, step] of journey.steps.entries()) {
    if (step.type === 'wait' || step.type === 'condition') break;
    firstSteps.push({ step: i, type: step.type, upTo: entrants });
  }
  const count = (type: string) => firstSteps.filter((s) => s.type === type).length * entrants;
  return {
    enrolsExisting: SCANNED_TRIGGERS.has(journey.trigger.type),
    entrants,
    sampleIds,
    firstSteps,
    coupons: count('coupon'),
    messages: count('send'),
    tasks: count('task'),
    tags: count('tag'),
  };
}
