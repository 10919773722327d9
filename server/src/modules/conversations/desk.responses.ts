import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { STAFF_ROLES } from '../../shared/http/principal.js';
import { BOT_COMMAND_IDS } from './bot-commands.js';

/** The desk's administration answers as the OpenAPI document publishes them (reply-rule.service.ts, handoff.service.ts). */

export const Presence = z.object({ online: z.boolean(), capacity: int, active: int.describe('chats I hold now') });

export const DeskSettings = component(
  'DeskSettings',
  z.object({
    firstResponseSeconds: int,
    nextResponseSeconds: int,
    supervisorRole: z.enum(STAFF_ROLES).describe('the role told about SLA breaches'),
    roomWelcome: z.string(),
    manualPauseSeconds: int.describe('how long the bot keeps quiet in a chat after a manual reply'),
    hours: z
      .object({
        timezone: z.string(),
        weekly: z.array(z.object({ day: int.describe('1 Monday … 7 Sunday'), open: z.string().describe('HH:MM'), close: z.string().describe('HH:MM') })),
        holidays: z.array(z.string()).describe('YYYY-MM-DD, closed'),
        workdays: z.array(z.string()).describe('YYYY-MM-DD make-up working days'),
      })
      .nullable()
      .describe('business hours (SLA clocks count open time only); null: always open'),
  }),
);

/** A canned reply as stored ({name} and {points} are filled in when sent). */
export const CannedReply = component(
  'CannedReply',
  z.object({ _id: objectIdString, tenantId: z.string(), title: z.string(), text: z.string(), createdAt: dateTime, updatedAt: dateTime, __v: int.optional() }),
);

export const Deleted = z.object({ deleted: z.literal(true) });

/** Business hours as GET/PUT /desk/hours answer them (never null there: no weekly hours means always open). */
export const BusinessHours = DeskSettings.shape.hours.unwrap();

/** An auto-reply rule or FAQ entry as stored. */
export const ReplyRule = component(
  'ReplyRule',
  z.object({
    _id: objectIdString,
    tenantId: z.string(),
    kind: z.enum(['keyword', 'regex', 'faq']),
    keywords: z.array(z.string()).describe('lower-cased'),
    pattern: z.string().optional().describe('regex rules'),
    question: z.string().optional().describe('FAQ entries'),
    similar: z.array(z.string()).describe('FAQ entries: other phrasings of the question'),
    reply: z.string(),
    action: z.enum(['reply', 'handoff']),
    priority: int,
    active: z.boolean(),
    createdAt: dateTime,
    updatedAt: dateTime,
    __v: int.optional(),
  }),
);

/** POST /desk/rules/test: the rule that would answer, or null. */
export const RuleTest = z.object({
  match: z
    .object({
      ruleId: objectIdString,
      kind: z.enum(['keyword', 'regex', 'faq']),
      action: z.enum(['reply', 'handoff']),
      reply: z.string(),
      question: z.string().optional().describe('FAQ entries: the question'),
      phrase: z.string().optional().describe('FAQ entries: what the message matched (the question, a similar question or a keyword)'),
    })
    .nullable(),
});

export const BotCommand = component(
  'BotCommand',
  z.object({
    id: z.enum(BOT_COMMAND_IDS),
    enabled: z.boolean(),
    words: z.array(z.string()).describe('what a customer types to run it'),
    defaultWords: z.array(z.string()),
    rooms: z.boolean().describe('answered in rooms too'),
    locked: z.boolean().describe('always on, with its default words'),
  }),
);

export const DeskFigures = z.object({
  conversations: int,
  responses: int,
  averageResponseMs: int.nullable(),
  averageFirstResponseMs: int.nullable(),
  breaches: int,
});

const teamFields = {
  id: objectIdString,
  name: z.string(),
  memberIds: z.array(z.string()),
  firstResponseSeconds: int.optional().describe("unset: the tenant's target"),
  nextResponseSeconds: int.optional(),
  managerId: z.string().optional(),
};

export const DeskTeam = component('DeskTeam', z.object(teamFields));

export const DeskTeamList = z.object({
  items: z.array(
    z.object({
      ...teamFields,
      managerName: z.string().optional(),
      members: z.array(z.object({ id: z.string(), name: z.string(), online: z.boolean(), active: z.boolean() })),
    }),
  ),
});

export const Routing = z.object({
  rules: z
    .array(z.object({ when: z.enum(['keyword', 'tag', 'tier']), values: z.array(z.string()), teamId: z.string() }))
    .describe('in order; the first match wins'),
});
