import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { DeskService } from './desk.service.js';
import { DEFAULT_TIMEZONE } from './business-hours.js';
import { BusinessHours, Deleted, DeskTeam, DeskTeamList, Routing } from './desk.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface DeskTeamRouteApis {
  desk: DeskService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const SUPERVISORS = ['community_manager'] as const;
const target = z.number().int().min(10).max(86_400);
const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, msg('TIME_OF_DAY_FORMAT'));
const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, msg('DATE_FORMAT'));

const team = z.object({
  name: z.string().trim().min(1).max(30),
  memberIds: z.array(objectId).max(200),
  firstResponseSeconds: target.nullable().optional(),
  nextResponseSeconds: target.nullable().optional(),
  managerId: objectId.nullable().optional(),
});

const routingRule = z.object({
  when: z.enum(['keyword', 'tag', 'tier']),
  values: z.array(z.string().trim().min(1).max(40)).min(1).max(30),
  teamId: objectId,
});

const hours = z
  .object({
    timezone: z.string().trim().min(1).max(64).default(DEFAULT_TIMEZONE),
    weekly: z
      .array(
        z
          .object({ day: z.number().int().min(1).max(7), open: hhmm, close: hhmm })
          .refine((w) => w.open < w.close, { message: msg('CLOSE_AFTER_OPEN'), path: ['close'] }),
      )
      .max(7)
      .refine((w) => new Set(w.map((x) => x.day)).size === w.length, { message: msg('ONE_OPENING_PER_WEEKDAY') }),
    holidays: z.array(day).max(400).default([]),
    workdays: z.array(day).max(100).default([]),
  })
  .strict()
  .refine((h) => !h.holidays.some((d) => h.workdays.includes(d)), { message: msg('HOLIDAY_AND_WORKDAY'), path: ['workdays'] });

/** Desk teams (members, their own response targets), handoff routing and business hours: managers' settings. */
export function deskTeamRoutes(s: DeskTeamRouteApis) {
  const api = new ApiRouter('/api/v1/desk', 'conversations');

  // Agents read them too: they hand chats to a team (转给团队).
  api.route(
    {
      method: 'get',
      path: '/teams',
      allow: ['agent', ...SUPERVISORS],
      summary: 'Desk teams with their members (online or not), response targets and manager',
      response: DeskTeamList,
    },
    async ({ tenantId }) => ({
      items: await s.desk.teams.list(tenantId),
    }),
  );
  api.route(
    {
      method: 'post',
      path: '/teams',
      allow: SUPERVISORS,
      status: 201,
      summary: 'Add a team: name, members (staff ids), its own SLA targets (null: the tenant’s)',
      body: team,
      response: DeskTeam,
      errors: [409],
    },
    ({ body, tenantId }) => s.desk.teams.create(tenantId, body),
  );
  api.route(
    {
      method: 'patch',
      path: '/teams/:id',
      allow: SUPERVISORS,
      summary: 'Rename a team, change its members or targets',
      params: z.object({ id: objectId }),
      body: team.partial().strict(),
      response: DeskTeam,
      errors: [409],
    },
    ({ params, body, tenantId }) => s.desk.teams.update(tenantId, params.id, body),
  );
  api.route(
    {
      method: 'delete',
      path: '/teams/:id',
      allow: SUPERVISORS,
      summary: 'Delete a team no routing rule uses; its chats move to the general queue',
      params: z.object({ id: objectId }),
      response: Deleted,
      errors: [409],
    },
    async ({ params, tenantId }) => {
      await s.desk.teams.remove(tenantId, params.id);
      return { deleted: true };
    },
  );

  api.route(
    { method: 'get', path: '/routing', allow: SUPERVISORS, summary: 'Handoff routing rules, in order (first match wins)', response: Routing },
    async ({ tenantId }) => ({
      rules: await s.desk.teams.routing(tenantId),
    }),
  );
  api.route(
    {
      method: 'put',
      path: '/routing',
      allow: SUPERVISORS,
      summary: 'Replace the ordered routing rules: keyword (in the customer’s last messages), customer tag id or loyalty tier code → team',
      body: z.object({ rules: z.array(routingRule).max(50) }).strict(),
      response: Routing,
    },
    async ({ body, tenantId }) => ({ rules: await s.desk.teams.setRouting(tenantId, body.rules) }),
  );

  api.route(
    { method: 'get', path: '/hours', allow: SUPERVISORS, summary: 'Business hours and holidays (no weekly hours: always open)', response: BusinessHours },
    async ({ tenantId }) => {
      return (await s.desk.rules.settings(tenantId)).hours ?? { timezone: DEFAULT_TIMEZONE, weekly: [], holidays: [], workdays: [] };
    },
  );
  api.route(
    {
      method: 'put',
      path: '/hours',
      allow: SUPERVISORS,
      summary: 'Set business hours (weekday 1 = Monday … 7 = Sunday, tenant time zone), holidays and make-up working days; SLA clocks count open time only',
      body: hours,
      response: BusinessHours,
    },
    async ({ body, tenantId }) => {
      const saved = await s.desk.rules.updateSettings(tenantId, { hours: { ...body, weekly: [...body.weekly].sort((a, b) => a.day - b.day) } });
      return saved.hours;
    },
  );

  return api;
}
