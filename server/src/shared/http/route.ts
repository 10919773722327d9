import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { forbidden, unauthenticated } from '../app-error.js';
import { isAllowed, type Allow, type Principal } from './principal.js';
import { JsonText } from '../json-text.js';
import { msg, sayIssue } from './validation-message.js';
import { wantsChinese, zhIssue, type IssueWords } from './validation-zh.js';
import { MAX_JSON_DEPTH, tooDeepAt } from './json-depth.js';
import { responseCheck } from './response-check.js';

/**
 * Every API route is declared through `api.route(spec, handler)`: the spec says who may call it and
 * what it accepts, the handler receives parsed input and returns the response body. The specs form
 * one route table, from which the OpenAPI document and the authorisation matrix test are generated,
 * so a route cannot exist without a rule.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  path: string;
  allow: Allow;
  summary: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Success status (default 200, or 201 for creating POSTs when set). */
  status?: number;
  /**
   * The success body's shape (api-schemas.ts): published in the OpenAPI document and, in tests,
   * checked against every answer (response-check.ts).
   */
  response?: z.ZodType;
  /**
   * A success body that is not JSON (a CSV file, an image, a server-sent event stream): its media types
   * and what it holds, published instead of `response`; in tests every answer's Content-Type is checked against them.
   */
  produces?: Produces;
  /** Refusals the handler can answer beyond the derived ones (route-errors.ts): 409, 429, a 404 without an id in the path. */
  errors?: readonly number[];
  /** Staff writes are audited unless the route records a more specific audit entry itself. */
  audit?: boolean;
  tags?: string[];
  /**
   * A body array (by field name) whose items the handler judges one by one, refusing only the bad
   * ones: the edge's nesting limit leaves those items to the handler, which must check their depth
   * itself (see eventItemSchema) before anything recursive touches them.
   */
  batchField?: string;
  /** Words a refused body's issues the way its form names them (e.g. an audience's 第 2 组第 1 条). */
  words?: IssueWords;
  /**
   * Named middleware (`requireVisibleCustomer(customers, 'id')`) run after the caller is authorised and the input
   * parsed, before the handler: each reads the parsed input from `ctx.state.input` and leaves what it
   * loads on `ctx.state` for the handler, or throws to refuse.
   */
  use?: Middleware[];
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal;
  tenantId: string;
  ctx: Context;
}

export interface RouteTableEntry {
  method: Method;
  path: string;
  allow: Allow;
  summary: string;
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  status: number;
  response?: z.ZodType;
  produces?: Produces;
  errors?: readonly number[];
}

/** A non-JSON success body: `types` its media types (`image/*` allowed), `description` what it holds. */
export interface Produces {
  types: readonly string[];
  description: string;
}

export const routeTable: RouteTableEntry[] = [];

export type AuditHook = (ctx: Context, principal: Principal, entry: RouteTableEntry) => Promise<void>;
let auditHook: AuditHook | undefined;
export function setAuditHook(hook: AuditHook): void {
  auditHook = hook;
}

export class ApiRouter {
  readonly router: Router;
  /** The declared paths, relative to the prefix (for the API dispatch). */
  readonly paths: string[] = [];

  constructor(
    readonly prefix: string,
    readonly tag: string,
  ) {
    this.router = new Router({ prefix });
  }

  route<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<B, Q, P>,
    handler: (input: RouteInput<z.output<B>, z.output<Q>, z.output<P>>) => Promise<unknown> | unknown,
  ): this {
    const entry: RouteTableEntry = {
      method: spec.method,
      path: this.prefix + spec.path,
      allow: spec.allow,
      summary: spec.summary,
      tags: spec.tags ?? [this.tag],
      body: spec.body,
      query: spec.query,
      params: spec.params,
      status: spec.status ?? 200,
      response: spec.response,
      produces: spec.produces,
      errors: spec.errors,
    };
    const existing = routeTable.findIndex((r) => r.method === entry.method && r.path === entry.path);
    if (existing >= 0) routeTable[existing] = entry;
    else routeTable.push(entry);
    this.paths.push(spec.path);
    const prepare: Middleware = async (ctx, next) => {
      const principal = ctx.state.principal as Principal | undefined;
      if (!isAllowed(spec.allow, principal)) {
        throw principal ? forbidden() : unauthenticated();
      }
      const rawBody = spec.body ? withinDepth(ctx.request.body ?? {}, spec.batchField, ctx) : undefined;
      const params = spec.params ? parse(spec.params, ctx.params, 'path', ctx) : ctx.params;
      const query = spec.query ? parse(spec.query, ctx.query, 'query', ctx) : ctx.query;
      const body = spec.body ? parse(spec.body, rawBody, 'body', ctx, spec.words) : undefined;
      ctx.state.input = {
        body,
        query,
        params,
        principal: principal as Principal,
        tenantId: principal?.tenantId ?? (ctx.state.tenantId as string),
        ctx,
      } as RouteInput<z.output<B>, z.output<Q>, z.output<P>>;
      await next();
    };
    const respond: Middleware = async (ctx) => {
      const principal = ctx.state.principal as Principal | undefined;
      const result = await handler(ctx.state.input as RouteInput<z.output<B>, z.output<Q>, z.output<P>>);
      if (result !== undefined) {
        ctx.status = entry.status;
        if (result instanceof JsonText) {
          ctx.type = 'application/json; charset=utf-8';
          ctx.body = result.text;
        } else ctx.body = result;
      }
      if (principal?.kind === 'staff' && spec.method !== 'get' && spec.audit !== false && auditHook && ctx.status < 400) {
        await auditHook(ctx, principal, entry);
      }
    };
    this.router[spec.method](spec.path, responseCheck(entry), prepare, ...(spec.use ?? []), respond);
    return this;
  }

  routes() {
    return this.router.routes();
  }

  allowedMethods() {
    return this.router.allowedMethods();
  }
}

/**
 * The language is asked only of a request that fails: a refused one is parsed again with zod's
 * refusals worded in Chinese if the caller wants Chinese (parsing is pure; refusals are rare).
 */
function parse<T extends z.ZodType>(schema: T, value: unknown, where: string, ctx: Context, words?: IssueWords): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (!wantsChinese(ctx)) throw new ValidationError(where, result.error, false, words && { words, input: value });
  throw new ValidationError(where, schema.safeParse(value, { error: zhIssue }).error!, true, words && { words, input: value });
}

/**
 * The body, if it nests no deeper than MAX_JSON_DEPTH: checked before the schema, whose lazy parts
 * (audiences) recurse as deep as the input goes. A batch's items are left to its handler.
 */
function withinDepth(body: unknown, batchField: string | undefined, ctx: Context): unknown {
  const skip = batchField ? (path: readonly PropertyKey[]) => path.length === 2 && path[0] === batchField : undefined;
  const at = tooDeepAt(body, MAX_JSON_DEPTH, skip);
  if (!at) return body;
  const error = new z.ZodError([{ code: 'custom', path: at, message: msg('JSON_TOO_DEEP'), params: { depth: MAX_JSON_DEPTH }, input: undefined }]);
  throw new ValidationError('body', error, wantsChinese(ctx));
}

/** A request that failed its schema; said in Chinese when the caller asked for it (validation-zh.ts). */
export class ValidationError extends Error {
  readonly status = 400;
  /** Each issue as the response lists it: where (`body.name`) and what is wrong. */
  readonly issues: Array<{ path: string; message: string; at?: string }>;

  /** `worded`: the route's own wording of an issue (a whole sentence naming the place as its form does). */
  constructor(
    readonly where: string,
    zodError: z.ZodError,
    chinese = false,
    worded?: { words: IssueWords; input: unknown },
  ) {
    const issues = zodError.issues.map((i) => {
      const own = worded?.words(i, worded.input, chinese);
      return { field: i.path.join('.'), message: own?.message ?? sayIssue(i, chinese ? 'zh' : 'en'), at: own?.at };
    });
    super(
      chinese
        ? issues.map((i) => (i.field && !i.at ? `${i.field}：${i.message}` : i.message)).join('；')
        : `Invalid ${where}: ${issues.map((i) => (i.at ? i.message : `${i.field || where} ${i.message}`)).join('; ')}`,
    );
    this.issues = issues.map((i) => ({ path: [where, ...(i.field ? [i.field] : [])].join('.'), message: i.message, ...(i.at ? { at: i.at } : {}) }));
  }
}
