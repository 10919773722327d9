import { z } from 'zod';
import { sayIssue } from '../shared/http/validation-message.js';

/**
 * The one place configuration is read. `loadConfig(process.env)` runs once at boot (main.ts, demo, test
 * support) and the parsed object is passed down; nothing else reads process.env.
 */
const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const csv = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

/**
 * Secrets that were published (the old built-in development default) or are placeholders: a token
 * signed with one of these can be minted by anyone who has read this repository.
 */
const PUBLISHED_SECRETS = ['dev-only-secret-change-me-0123456789abcdef'];
const MIN_DISTINCT_CHARS = 12;

/** Why a signing secret is too weak to use, or null. Length alone lets `x`×40 through. */
export function weakSecretReason(secret: string): string | null {
  if (secret.length < 32) return 'must be at least 32 characters';
  if (PUBLISHED_SECRETS.includes(secret) || /change-?me|example|placeholder/i.test(secret))
    return 'is a published or placeholder value; generate one with `openssl rand -base64 48`';
  if (new Set(secret).size < MIN_DISTINCT_CHARS)
    return `has fewer than ${MIN_DISTINCT_CHARS} distinct characters; generate one with \`openssl rand -base64 48\``;
  return null;
}

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.string().url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Which processes this node runs: any of server, worker, bot. */
    ROLES: csv.pipe(z.array(z.enum(['server', 'worker', 'bot']))).default(['server', 'worker', 'bot']),

    MONGODB_URI: z.string().min(1, 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI'),
    REDIS_URL: z.string().min(1, 'REDIS_URL must be a redis:// URI'),
    /**
     * How long one Redis command may take before it fails (ms). A frozen or partitioned Redis keeps
     * its TCP connection up, so without this a command waits for as long as the freeze lasts.
     */
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),

    /**
     * Signs staff/shopper tokens (JWT, HS256) and member-card payloads. Required in every mode, ≥ 32
     * characters and not a published or low-entropy value; `npm start` generates one on first start.
     */
    APP_SECRET: z.string({ error: 'set APP_SECRET (e.g. `openssl rand -base64 48`); `npm start` generates one for the demo' }),
    /** Secrets rotated out, comma separated: tokens they signed (by kid) are still accepted until they expire; new ones are signed with APP_SECRET. */
    APP_SECRET_PREVIOUS: csv,
    STAFF_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(12 * 3600),
    SHOPPER_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(7 * 24 * 3600),
    /** Staff sign-in brute-force limits (shared/sign-in-limits.ts): wrong passwords in a row per account and address, the first block (doubling), failures per address. */
    LOGIN_MAX_CONSECUTIVE_FAILS: z.coerce.number().int().min(1).default(10),
    LOGIN_BLOCK_SECONDS: z.coerce.number().int().min(1).default(300),
    LOGIN_IP_FAILS_PER_HOUR: z.coerce.number().int().min(1).default(30),
    LOGIN_IP_FAILS_PER_DAY: z.coerce.number().int().min(1).default(100),
    /** Shopper sign-ins (demo phone, WeChat H5) per address per minute. */
    SHOPPER_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    /** How long the member center's points and coupons answers may be served from Redis (0 = off); every change to them invalidates at once. */
    SHOPPER_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(60).default(60),
    CORS_ORIGINS: csv,
    /** Set when a load balancer you run sits in front: client IPs then come from X-Forwarded-For. */
    TRUST_PROXY: bool,
    DEFAULT_TENANT: z.string().min(1).default('demo-brand'),
    /**
     * Set by the demo launcher (`npm start`): enables demo sign-in (phone-only shopper login, the seeded
     * staff logins) — only while the server listens on loopback (HOST). Never on in production.
     */
    DEMO_MODE: bool,
    /**
     * Tests only: every answer of a route with a documented response schema is checked against the
     * OpenAPI document, and a difference fails the request with 500 (shared/http/response-check.ts).
     */
    API_RESPONSE_CHECK: bool,

    WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com/cgi-bin/'),
    WECOM_CORP_ID: z.string().default(''),
    WECOM_AGENT_ID: z.string().default(''),
    WECOM_SECRET: z.string().default(''),
    WECOM_TOKEN: z.string().default(''),
    WECOM_ENCODING_AES_KEY: z.string().default(''),
    /** How long one WeCom API call may take before it is given up (its outcome then unknown). */
    WECOM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** 微信客服 as a conversation channel (server/src/modules/wechat-kf/); its events come to the WeCom callback URL. */
    WECOM_KF_ENABLED: bool,
    /** The 微信客服 secret, when the kf API is not granted to the app of WECOM_SECRET ('' = use WECOM_SECRET). */
    WECOM_KF_SECRET: z.string().default(''),
    /**
     * Where agents answer 微信客服 chats they take over: `inbox` (our inbox, through kf/send_msg; WeCom's
     * session stays API-served) or `wecom` (the session goes to 人工接待 with the agent as servicer, who
     * answers in the WeCom app: WeCom refuses API sends in that state).
     */
    WECOM_KF_AGENTS_ANSWER_IN: z.enum(['inbox', 'wecom']).default('inbox'),

    WECHAT_API_BASE: z.string().url().default('https://api.weixin.qq.com/'),
    WECHAT_MINIAPP_APPID: z.string().default(''),
    WECHAT_MINIAPP_SECRET: z.string().default(''),
    /** WeChat Official Account (服务号) for the H5 member center's OAuth sign-in (snsapi_base); both '' = off. */
    WECHAT_MP_APPID: z.string().default(''),
    WECHAT_MP_SECRET: z.string().default(''),
    WECHAT_OAUTH_AUTHORIZE_URL: z.string().url().default('https://open.weixin.qq.com/connect/oauth2/authorize'),
    /** Mini-app subscribe messages (coupon / points expiry reminders): template ids from the MP admin; '' = off. */
    WECHAT_SUBSCRIBE_COUPON_TEMPLATE: z.string().default(''),
    WECHAT_SUBSCRIBE_POINTS_TEMPLATE: z.string().default(''),
    WECHAT_MINIAPP_STATE: z.enum(['developer', 'trial', 'formal']).default('formal'),

    WECHATY_PUPPET: z.string().default('wechaty-puppet-mock'),
    WECHATY_PUPPET_SERVICE_TOKEN: z.string().default(''),
    WECHATY_NAME: z.string().default('scrm-bot'),
    /** Service desk (conversations module and bot/): SLA defaults, outbound delivery, live stream. */
    DESK_FIRST_RESPONSE_SECONDS: z.coerce.number().int().positive().default(120),
    DESK_NEXT_RESPONSE_SECONDS: z.coerce.number().int().positive().default(300),
    DESK_SWEEP_EVERY: z.string().default('10 seconds'),
    DESK_OUTBOUND_LEASE_MS: z.coerce.number().int().positive().default(30_000),
    DESK_OUTBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    DESK_SSE_MAX_SECONDS: z.coerce.number().int().positive().default(60),
    /** An agent whose console (live stream or presence call) has been silent this long is taken offline and their chats go to others. */
    DESK_PRESENCE_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(120),
    /** A customer who writes while waiting in the queue hears their place again, at most this often. */
    DESK_QUEUE_REMINDER_SECONDS: z.coerce.number().int().positive().default(120),
    /** Where chat attachments (images, files both ways) are kept: MongoDB GridFS (shared by every process) or a local folder (one machine). */
    DESK_ATTACHMENT_STORE: z.enum(['gridfs', 'disk']).default('gridfs'),
    DESK_ATTACHMENT_DIR: z.string().default('data/desk-attachments'),
    BOT_OUTBOUND_POLL_MS: z.coerce.number().int().positive().default(2000),
    /** The member-center coupon page the bot links to (default: PUBLIC_URL + /h5/#/member/coupons). */
    BOT_COUPON_URL: z.string().url().optional(),

    /** Agenda polling; a number of milliseconds (Agenda reads strings like '200 milliseconds' wrongly). */
    JOBS_PROCESS_EVERY_MS: z.coerce.number().int().positive().default(2000),
    JOBS_LOCK_LIFETIME_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(10 * 60 * 1000),
    /** Audiences and lifecycle (segments, broadcasts, journeys): churn cadence, send caps, quiet hours. */
    RFM_NIGHTLY_CRON: z.string().default('0 19 * * *'),
    RFM_CHURN_MULTIPLIER: z.coerce.number().positive().default(2),
    RFM_CHURN_MIN_DAYS: z.coerce.number().int().min(1).default(14),
    RFM_CHURN_DEFAULT_GAP_DAYS: z.coerce.number().int().min(1).default(45),
    /** Past this many times their cadence a customer is lost, not at risk: no task, no warning. */
    RFM_CHURN_LOST_MULTIPLIER: z.coerce.number().positive().default(3),
    /** Churn follow-ups per assignee per local day (BROADCAST_TIMEZONE), the most valuable and recoverable first. */
    RFM_CHURN_TASKS_PER_DAY: z.coerce.number().int().min(1).default(20),
    BROADCAST_CAP_PER_DAY: z.coerce.number().int().min(1).default(1),
    BROADCAST_CAP_PER_MONTH: z.coerce.number().int().min(1).default(4),
    BROADCAST_TIMEZONE: z.string().default('Asia/Shanghai'),
    BROADCAST_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    /**
     * Customers per WeCom group-message task (add_msg_template; WeCom takes up to 10,000): each task is
     * one confirmation for the rep, so a rep's customers go in as few tasks as this allows.
     */
    BROADCAST_WECOM_TASK_SIZE: z.coerce.number().int().min(1).max(10_000).default(10_000),
    BROADCAST_LEASE_MS: z.coerce.number().int().positive().default(60_000),
    /**
     * After a send whose outcome is unknown (timeout, 5xx, WeCom's -1), how long to wait before asking
     * the channel whether it took the message: long enough for a late request to land, much shorter
     * than the lease (which covers a worker that died mid-batch).
     */
    BROADCAST_SETTLE_MS: z.coerce.number().int().positive().default(10_000),
    BROADCAST_STAFF_PER_MINUTE: z.coerce.number().int().positive().default(600),
    /** Campaign messages a WeChat bot account may queue per minute (personal accounts that mass-message get restricted). */
    BROADCAST_BOT_PER_MINUTE: z.coerce.number().int().positive().default(20),
    /** How often the worker starts due campaigns and advances sending ones (Agenda interval). */
    BROADCAST_TICK_EVERY: z.string().default('5 seconds'),
    /** How often the worker pulls WeCom's send results (staff confirmations) for the last week's campaigns. */
    BROADCAST_RESULTS_EVERY: z.string().default('10 minutes'),
    /** Privacy: chats and behaviour events older than these are deleted by the daily retention job. */
    PRIVACY_RETENTION_CONVERSATION_DAYS: z.coerce.number().int().min(1).default(365),
    PRIVACY_RETENTION_EVENT_DAYS: z.coerce.number().int().min(1).default(1095),
    PRIVACY_RETENTION_EVERY: z.string().default('1 day'),
    /** How often the worker enrols birthday/dormant customers and advances due journey runs. */
    JOURNEY_TICK_EVERY: z.string().default('1 minute'),
    /** Local hours (BROADCAST_TIMEZONE) in which journeys may message customers, e.g. 09:00-21:00; 'always' to send at any hour. */
    JOURNEY_SEND_WINDOW: z
      .string()
      .regex(/^(always|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, 'use HH:MM-HH:MM, e.g. 09:00-21:00, or always')
      .refine((v) => v === 'always' || v.slice(0, 5) !== v.slice(6), 'the send window must not start and end at the same time')
      .default('09:00-21:00'),
  })
  .superRefine((env, ctx) => {
    const weak = weakSecretReason(env.APP_SECRET);
    if (weak) ctx.addIssue({ code: 'custom', path: ['APP_SECRET'], message: `APP_SECRET ${weak}` });
    env.APP_SECRET_PREVIOUS.forEach((old, i) => {
      const reason = weakSecretReason(old);
      if (reason) ctx.addIssue({ code: 'custom', path: ['APP_SECRET_PREVIOUS', i], message: `APP_SECRET_PREVIOUS ${reason}` });
    });
    if (env.NODE_ENV === 'production' && env.DEMO_MODE) {
      ctx.addIssue({ code: 'custom', path: ['DEMO_MODE'], message: 'DEMO_MODE must be off in production' });
    }
    if (env.NODE_ENV === 'production' && env.API_RESPONSE_CHECK) {
      ctx.addIssue({ code: 'custom', path: ['API_RESPONSE_CHECK'], message: 'API_RESPONSE_CHECK is for tests; turn it off in production' });
    }
  });

export type Config = z.infer<typeof envSchema>;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

/**
 * Whether demo sign-in (phone-only shopper login, the seeded staff logins) is on, and why: only when the
 * demo launcher turned DEMO_MODE on and the server listens on loopback, so no one on the network can
 * use it. The boot log states the answer.
 */
export function demoSignIn(config: Pick<Config, 'DEMO_MODE' | 'HOST'>): { on: boolean; reason: string } {
  if (!config.DEMO_MODE) return { on: false, reason: 'DEMO_MODE is off' };
  if (!LOOPBACK.test(config.HOST)) return { on: false, reason: `DEMO_MODE is on but HOST ${config.HOST} is not loopback` };
  return { on: true, reason: `DEMO_MODE is on and the server listens on loopback (${config.HOST})` };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${sayIssue(i)}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data) as Config;
}

const SECRET_KEYS = /SECRET|TOKEN|AES_KEY|PASSWORD|URI|URL$/;

/** The config as it may be logged: secrets and credentials in URIs masked. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      if (Array.isArray(v) && /SECRET/.test(k)) return [k, v.map(() => '***')];
      if (typeof v !== 'string' || !SECRET_KEYS.test(k) || k.endsWith('API_BASE') || k === 'PUBLIC_URL') return [k, v];
      if (/URI|URL$/.test(k)) return [k, v.replace(/\/\/([^@/]+)@/, '//***@')];
      return [k, v ? '***' : ''];
    }),
  );
}
