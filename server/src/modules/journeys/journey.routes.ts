import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Journeys } from './journeys.module.js';
import type { LoyaltyService } from '../loyalty/loyalty.service.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { journeyEditSchema, journeySchema } from './journey.schemas.js';
import { journeyIssueWords } from './journey.wording.js';
import { AppError } from '../../shared/app-error.js';
import { fillTemplate, journeyTemplates } from './journey.templates.js';
import { maskName, personalDataPolicy } from '../privacy/masking.js';
import { Journey, JourneyDetail, JourneyList, JourneyPreview, JourneyRun, JourneyTemplates } from './journey.responses.js';
import { msg } from '../../shared/http/validation-message.js';
import type { JourneyDoc, JourneyRunDoc } from './journey.model.js';

/** The module APIs these routes use, and nothing else. */
export interface JourneyRouteApis {
  customers: CustomerService;
  journeys: Journeys;
  loyalty: LoyaltyService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
const MANAGERS = ['community_manager'] as const;

const view = (j: Pick<JourneyDoc, '_id' | 'name' | 'trigger' | 'steps' | 'enabled' | 'version' | 'createdAt' | 'updatedAt'>) => ({
  id: String(j._id),
  name: j.name,
  trigger: j.trigger,
  steps: j.steps,
  enabled: j.enabled,
  version: j.version ?? 1,
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
});
/** The figure read from the preview, confirming a switch-on that enrols customers now. */
const expectedEntrants = z.number().int().min(0).optional();
const runView = (r: JourneyRunDoc) => ({
  id: String(r._id),
  journeyId: String(r.journeyId),
  version: r.version ?? 1,
  customerId: String(r.customerId),
  occurrence: r.occurrence,
  state: r.state,
  step: r.step,
  nextAt: r.nextAt,
  startedAt: r.startedAt,
  log: r.log,
});

export function journeyRoutes(s: JourneyRouteApis) {
  const api = new ApiRouter('/api/v1/journeys', 'journeys');

  api.route(
    {
      method: 'get',
      path: '/templates',
      allow: MANAGERS,
      summary: 'Ready-made journeys to copy: welcome, birthday, win-back, abandoned cart, review request',
      response: JourneyTemplates,
    },
    () => ({ items: journeyTemplates }),
  );

  api.route(
    {
      method: 'post',
      path: '/from-template',
      allow: MANAGERS,
      status: 201,
      summary: 'Create a journey from a ready-made template with your own coupon template(s)',
      body: z
        .object({
          key: z.string().min(1).max(40),
          name: z.string().trim().min(1).max(100).optional(),
          couponTemplateId: objectId.optional(),
          couponByTier: z.record(z.string().max(32), objectId).optional(),
          /** Off lets the console create it, edit it and switch it on after the preview. */
          enabled: z.boolean().optional(),
          expectedEntrants,
        })
        .strict(),
      response: Journey,
      errors: [404, 409],
    },
    async ({ body, tenantId, principal }) => {
      const filled = fillTemplate(body.key, body);
      if ('error' in filled) {
        if (filled.error === 'UNKNOWN')
          throw new AppError('JOURNEY_TEMPLATE_UNKNOWN', `No template "${body.key}"; choose one of ${journeyTemplates.map((t) => t.key).join(', ')}`, {
            status: 400,
          });
        throw new AppError('JOURNEY_TEMPLATE_NEEDS_COUPON', `The "${body.key}" template issues a coupon: give couponTemplateId`, { status: 400 });
      }
      // A journey that would fail at its coupon step every time is refused now, while someone is looking.
      for (const id of [body.couponTemplateId, ...Object.values(body.couponByTier ?? {})].filter((x): x is string => Boolean(x))) {
        await s.loyalty.coupons.template(tenantId, id).catch(() => {
          throw new AppError('JOURNEY_TEMPLATE_NEEDS_COUPON', `Coupon template ${id} does not exist`, { status: 400 });
        });
      }
      return view(
        await s.journeys.create(
          tenantId,
          { ...filled, enabled: body.enabled ?? filled.enabled },
          principal.kind === 'staff' ? principal.id : undefined,
          body.expectedEntrants,
        ),
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/',
      allow: MANAGERS,
      status: 201,
      summary:
        'Create a journey: a trigger and its steps (created on, a journey that enrols customers at once needs expectedEntrants from a preview; else 409)',
      body: journeySchema.extend({ expectedEntrants }),
      words: journeyIssueWords,
      response: Journey,
      errors: [409],
    },
    async ({ body: { expectedEntrants: expected, ...body }, tenantId, principal }) =>
      view(await s.journeys.create(tenantId, body, principal.kind === 'staff' ? principal.id : undefined, expected)),
  );

  api.route(
    {
      method: 'get',
      path: '/',
      allow: MANAGERS,
      summary: 'Journeys, each with its runs by state (entered = active + done + exited) and what it did (coupons, revenue after entering)',
      response: JourneyList,
    },
    async ({ tenantId }) => {
      const journeys = await s.journeys.list(tenantId);
      const counts = await s.journeys.runCounts(
        tenantId,
        journeys.map((j) => String(j._id)),
      );
      const stats = await Promise.all(journeys.map((j) => s.journeys.stats(tenantId, String(j._id))));
      return {
        items: journeys.map((j, i) => ({
          ...view(j),
          runCounts: counts.get(String(j._id)),
          coupons: stats[i].coupons,
          revenueAfterEntering: stats[i].revenueAfterEntering,
        })),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id/preview',
      allow: MANAGERS,
      summary:
        'What switching the journey on would do now: how many customers enter at once (birthday and dormancy triggers; the others enrol as events arrive), a masked sample, and what their first steps do',
      params: idParams,
      response: JourneyPreview,
    },
    async ({ params, tenantId, principal }) => {
      const { sampleIds, ...preview } = await s.journeys.preview(tenantId, params.id);
      const names = await s.customers.namesOf(tenantId, sampleIds);
      const seesNames = personalDataPolicy(principal).name;
      // A coupon step says what is left of its template's stock: fewer than the entrants means some get none.
      const { steps } = await s.journeys.get(tenantId, params.id);
      const firstSteps = await Promise.all(
        preview.firstSteps.map(async (f) => {
          const step = steps[f.step] as { type: string; templateId?: string };
          if (step?.type !== 'coupon' || !step.templateId) return f;
          const t = await s.loyalty.coupons.template(tenantId, step.templateId).catch(() => null);
          return { ...f, coupon: t ? { name: t.name, remaining: Math.max(0, t.stock - t.issued) } : null };
        }),
      );
      return { ...preview, firstSteps, sample: sampleIds.map((id) => (seesNames ? names.get(id) : maskName(names.get(id))) || '—') };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/:id',
      allow: MANAGERS,
      summary:
        'Edit a journey: saves a new version; runs in progress keep the version they started on (baseVersion: the version edited, 409 when someone saved since)',
      params: idParams,
      body: journeyEditSchema.extend({ baseVersion: z.number().int().min(1).optional(), expectedEntrants }),
      words: journeyIssueWords,
      response: Journey,
      errors: [409],
    },
    async ({ params, body: { baseVersion, expectedEntrants: expected, ...body }, tenantId, principal }) =>
      view(
        await s.journeys.update(tenantId, params.id, body, {
          baseVersion,
          expectedEntrants: expected,
          savedBy: principal.kind === 'staff' ? principal.id : undefined,
        }),
      ),
  );

  api.route(
    {
      method: 'get',
      path: '/:id',
      allow: MANAGERS,
      summary:
        "A journey with what it did (runs, messages, coupons, tasks, orders after entering) and its latest runs, with each customer's name (masked for roles that do not see names)",
      params: idParams,
      response: JourneyDetail,
    },
    async ({ params, tenantId, principal }) => {
      const journey = await s.journeys.get(tenantId, params.id);
      const runs = await s.journeys.runs(tenantId, params.id);
      const names = await s.customers.namesOf(tenantId, [...new Set(runs.map((r) => String(r.customerId)))]);
      const seesNames = personalDataPolicy(principal).name;
      const nameOf = (id: string) => (seesNames ? names.get(id) : maskName(names.get(id))) || null;
      return {
        ...view(journey),
        versions: (journey.versions ?? []).map((v) => ({ version: v.version, name: v.name, trigger: v.trigger, steps: v.steps, savedAt: v.savedAt })).reverse(),
        stats: await s.journeys.stats(tenantId, params.id),
        runs: runs.map((r) => ({ ...runView(r), customerName: nameOf(String(r.customerId)) })),
      };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: MANAGERS,
      summary:
        'Switch a journey on or off; switching on one that enrols customers at once needs expectedEntrants, the preview figure (409 with the current one when it no longer matches)',
      params: idParams,
      body: z.object({ enabled: z.boolean(), expectedEntrants }).strict(),
      response: Journey,
      errors: [409],
    },
    async ({ params, body, tenantId }) => view(await s.journeys.setEnabled(tenantId, params.id, body.enabled, body.expectedEntrants)),
  );

  api.route(
    {
      method: 'get',
      path: '/customers/:id/runs',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: "A customer's journeys (by name) and what each step did",
      params: idParams,
      use: [requireVisibleCustomer(s.customers, 'id')],
      response: z.object({ items: z.array(JourneyRun.extend({ journeyName: z.string().nullable() })) }),
    },
    async ({ tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      const runs = await s.journeys.runsForCustomer(tenantId, String(doc._id));
      const names = await s.journeys.namesOf(tenantId, [...new Set(runs.map((r) => String(r.journeyId)))]);
      return { items: runs.map((r) => ({ ...runView(r), journeyName: names.get(String(r.journeyId)) ?? null })) };
    },
  );
  return api;
}
