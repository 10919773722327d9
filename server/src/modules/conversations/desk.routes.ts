import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Principal } from '../../shared/http/principal.js';
import { STAFF_ROLES } from '../../shared/http/principal.js';
import type { Deps } from '../../shared/deps.js';
import type { DeskService } from './desk.service.js';
import { BOT_COMMAND_IDS } from './bot-commands.js';
import { BotCommand, CannedReply, Deleted, DeskFigures, DeskSettings, Presence, ReplyRule, RuleTest } from './desk.responses.js';
import { Staff } from '../staff/staff.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface DeskRouteApis {
  deps: Deps;
  desk: DeskService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const SUPERVISORS = ['community_manager'] as const;
/** An FAQ entry's other phrasings of its question (each answered like the question itself). */
const similarQuestions = z.array(z.string().trim().min(2, msg('SIMILAR_QUESTION_MIN_2')).max(200)).max(50);

const ruleBody = z
  .object({
    kind: z.enum(['keyword', 'regex', 'faq']),
    keywords: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
    pattern: z.string().min(1).max(200).optional(),
    question: z.string().trim().max(200).optional(),
    similar: similarQuestions.optional(),
    reply: z.string().trim().max(2000).default(''),
    action: z.enum(['reply', 'handoff']).default('reply'),
    priority: z.number().int().min(-1000).max(1000).default(0),
    active: z.boolean().default(true),
  })
  .refine((r) => (r.kind === 'regex' ? !!r.pattern : r.kind === 'faq' ? !!r.question || !!r.keywords?.length : !!r.keywords?.length), {
    message: msg('REPLY_RULE_MATCH_REQUIRED'),
  })
  .refine((r) => r.action === 'handoff' || r.reply.length > 0, { message: msg('REPLY_RULE_TEXT_REQUIRED'), path: ['reply'] });

/** Desk administration: presence, reply rules and FAQ, canned replies, SLA targets and figures. */
export function deskRoutes(s: DeskRouteApis) {
  const api = new ApiRouter('/api/v1/desk', 'conversations');

  api.route(
    {
      method: 'get',
      path: '/presence',
      allow: ['agent', 'sales'],
      summary: 'Am I online for chats, my capacity and how many chats I hold now',
      response: Presence,
    },
    ({ principal, tenantId }) => s.desk.handoff.presence(tenantId, (principal as Extract<Principal, { kind: 'staff' }>).id),
  );
  api.route(
    {
      method: 'post',
      path: '/presence',
      allow: ['agent', 'sales'],
      summary: 'Go online or offline for chats (offline hands your chats back to the queue)',
      body: z.object({ online: z.boolean(), capacity: z.number().int().min(0).max(50).optional() }),
      response: Staff,
    },
    ({ body, principal, tenantId }) =>
      s.desk.handoff.setPresence(tenantId, (principal as Extract<Principal, { kind: 'staff' }>).id, body.online, body.capacity),
  );

  api.route(
    {
      method: 'get',
      path: '/rules',
      allow: SUPERVISORS,
      summary: 'Auto-reply rules and FAQ entries',
      query: z.object({ kind: z.enum(['keyword', 'regex', 'faq']).optional() }),
      response: z.object({ items: z.array(ReplyRule) }),
    },
    async ({ query, tenantId }) => ({
      items: await s.desk.rules.listRules(tenantId, query.kind),
    }),
  );
  api.route(
    { method: 'post', path: '/rules', allow: SUPERVISORS, status: 201, summary: 'Add an auto-reply rule or FAQ entry', body: ruleBody, response: ReplyRule },
    ({ body, tenantId }) => s.desk.rules.createRule(tenantId, body),
  );
  // The console's test box: the same matcher (and rule cache) the bot and the 微信客服 channel answer with.
  api.route(
    {
      method: 'post',
      path: '/rules/test',
      allow: SUPERVISORS,
      summary: 'Which rule would answer this sample message, and with what text (null when none)',
      body: z.object({ text: z.string().trim().min(1).max(2000) }),
      response: RuleTest,
    },
    async ({ body, tenantId }) => ({ match: await s.desk.rules.match(tenantId, body.text) }),
  );
  api.route(
    {
      method: 'patch',
      path: '/rules/:id',
      allow: SUPERVISORS,
      summary: 'Change a rule',
      params: z.object({ id: objectId }),
      body: z
        .object({
          keywords: z.array(z.string().trim().min(1).max(40)).max(30),
          pattern: z.string().min(1).max(200),
          question: z.string().trim().max(200),
          similar: similarQuestions,
          reply: z.string().trim().max(2000),
          action: z.enum(['reply', 'handoff']),
          priority: z.number().int().min(-1000).max(1000),
          active: z.boolean(),
        })
        .partial()
        .strict(),
      response: ReplyRule,
    },
    ({ params, body, tenantId }) => s.desk.rules.updateRule(tenantId, params.id, body),
  );
  api.route(
    { method: 'delete', path: '/rules/:id', allow: SUPERVISORS, summary: 'Delete a rule', params: z.object({ id: objectId }), response: Deleted },
    async ({ params, tenantId }) => {
      await s.desk.rules.deleteRule(tenantId, params.id);
      return { deleted: true };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/commands',
      allow: SUPERVISORS,
      summary: "The bot's built-in commands (人工, 积分, 签到…): their trigger words and whether they are on",
      response: z.object({ items: z.array(BotCommand) }),
    },
    async ({ tenantId }) => ({
      items: await s.desk.commands.list(tenantId),
    }),
  );
  api.route(
    {
      method: 'patch',
      path: '/commands/:command',
      allow: SUPERVISORS,
      summary: 'Switch a bot command on or off, or change its trigger words (null: the default words)',
      params: z.object({ command: z.enum(BOT_COMMAND_IDS) }),
      body: z
        .object({ enabled: z.boolean(), words: z.array(z.string().trim().min(1).max(20)).min(1, msg('TRIGGER_WORDS_REQUIRED')).max(20).nullable() })
        .partial()
        .strict()
        .refine((b) => b.enabled !== undefined || b.words !== undefined, { message: msg('HANDOFF_CHANGE_REQUIRED') }),
      response: BotCommand,
      errors: [409],
    },
    ({ params, body, tenantId }) => s.desk.commands.update(tenantId, params.command, body),
  );

  // Sales read them too: the sidebar's quick replies are the same 话术库.
  api.route(
    {
      method: 'get',
      path: '/canned-replies',
      allow: ['agent', 'community_manager', 'sales'],
      summary: 'Canned replies ({name} and {points} are filled in when sent); the sidebar uses them as quick replies',
      response: z.object({ items: z.array(CannedReply) }),
    },
    async ({ tenantId }) => ({
      items: await s.desk.rules.listCanned(tenantId),
    }),
  );
  api.route(
    {
      method: 'post',
      path: '/canned-replies',
      allow: ['agent', 'community_manager'],
      status: 201,
      summary: 'Add a canned reply',
      body: z.object({ title: z.string().trim().min(1).max(60), text: z.string().trim().min(1).max(2000) }),
      response: CannedReply,
      errors: [409],
    },
    ({ body, tenantId }) => s.desk.rules.createCanned(tenantId, body.title, body.text),
  );
  api.route(
    {
      method: 'patch',
      path: '/canned-replies/:id',
      allow: ['agent', 'community_manager'],
      summary: 'Fix the title or text of a canned reply',
      params: z.object({ id: objectId }),
      body: z
        .object({ title: z.string().trim().min(1).max(60), text: z.string().trim().min(1).max(2000) })
        .partial()
        .strict()
        .refine((b) => b.title || b.text, { message: msg('CANNED_REPLY_CHANGE_REQUIRED') }),
      response: CannedReply,
      errors: [409],
    },
    ({ params, body, tenantId }) => s.desk.rules.updateCanned(tenantId, params.id, body),
  );
  api.route(
    {
      method: 'delete',
      path: '/canned-replies/:id',
      allow: ['agent', 'community_manager'],
      summary: 'Delete a canned reply',
      params: z.object({ id: objectId }),
      response: Deleted,
    },
    async ({ params, tenantId }) => {
      await s.desk.rules.deleteCanned(tenantId, params.id);
      return { deleted: true };
    },
  );

  api.route(
    { method: 'get', path: '/settings', allow: SUPERVISORS, summary: 'SLA targets, supervisor role, room welcome', response: DeskSettings },
    ({ tenantId }) => s.desk.rules.settings(tenantId),
  );
  api.route(
    {
      method: 'put',
      path: '/settings',
      allow: ['admin'],
      summary: 'Change SLA targets (seconds), the role told about breaches, the room welcome text, the bot pause after a manual reply',
      body: z
        .object({
          firstResponseSeconds: z.number().int().min(10).max(86_400),
          nextResponseSeconds: z.number().int().min(10).max(86_400),
          supervisorRole: z.enum(STAFF_ROLES),
          roomWelcome: z.string().trim().min(1).max(500),
          manualPauseSeconds: z.number().int().min(0).max(86_400),
        })
        .partial()
        .strict(),
      response: DeskSettings,
    },
    ({ body, tenantId }) => s.desk.rules.updateSettings(tenantId, body),
  );

  api.route(
    {
      method: 'get',
      path: '/figures',
      allow: SUPERVISORS,
      summary: 'Response times and SLA breaches over the last days',
      query: z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }),
      response: DeskFigures,
    },
    ({ query, tenantId }) => s.desk.sla.figures(tenantId, new Date(s.deps.now().getTime() - query.days * 86_400_000)),
  );

  return api;
}
