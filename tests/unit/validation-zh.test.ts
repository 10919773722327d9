// A Chinese page that sends something a schema refuses shows the refusal in Chinese: zod's own
// refusals by issue code, the schemas' own refusals by their code in server/src/i18n/validation-messages.ts
// (a code without both wordings, or a schema naming an unknown code, fails tsc).
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Server } from 'node:http';
import { z } from 'zod';
import { zhIssue } from '../../server/src/shared/http/validation-zh.js';
import { msg, sayIssue } from '../../server/src/shared/http/validation-message.js';
import { ApiRouter } from '../../server/src/shared/http/route.js';
import { errorMiddleware } from '../../server/src/shared/http/errors.middleware.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { validationMessages } from '../../server/src/i18n/validation-messages.js';
import { zodIssueWords } from '../../server/src/i18n/validation.zh-CN.js';
import { contentSchema } from '../../server/src/modules/broadcasts/broadcast.schemas.js';
import { couponTemplateSchema } from '../../server/src/modules/loyalty/coupon.schemas.js';
import { audienceSchema, MAX_DEPTH } from '../../server/src/modules/segments/audience.schema.js';
import { MAX_JSON_DEPTH } from '../../server/src/shared/http/json-depth.js';

test('a code is said in English (the API’s words) or Chinese, its values filled from the issue', () => {
  expect(sayIssue({ message: msg('MESSAGE_TEXT_REQUIRED') })).toBe('write the message text');
  expect(sayIssue({ message: msg('MESSAGE_TEXT_REQUIRED') }, 'zh')).toBe('请填写消息内容');
  expect(sayIssue({ message: msg('JSON_TOO_DEEP'), params: { depth: 32 } }, 'en')).toBe('nested deeper than 32 levels; send flatter JSON');
  expect(sayIssue({ message: msg('EVENTS_AT_MOST'), maximum: 500 }, 'zh')).toBe('每批最多 500 个事件');
  // Braces the issue has no value for are the sentence's own words.
  expect(sayIssue({ message: msg('JOURNEY_PLACEHOLDERS') }, 'zh')).toBe('旅程消息只能使用占位符 {name}、{points} 和 {tier}');
  // zod's own words (already in the reader's language) pass through.
  expect(sayIssue({ message: 'Too small: expected string to have >=1 characters' }, 'zh')).toBe('Too small: expected string to have >=1 characters');
  // @ts-expect-error a schema can only name a code the catalog has
  msg('NO_SUCH_CODE');
  // Every line has both wordings, none left blank, and the English reads as a sentence, not a code.
  for (const [code, line] of Object.entries(validationMessages)) {
    expect([code, line.en.trim().length > 0, line.zh.trim().length > 0, /[\u4e00-\u9fff]/.test(line.zh), line.en === code]).toEqual([
      code,
      true,
      true,
      true,
      false,
    ]);
  }
});

/** The real edge (ApiRouter + error middleware) in front of real schemas, asked in either language. */
let server: Server;
let url: string;
beforeAll(async () => {
  const api = new ApiRouter('/api/v1', 'test')
    .route({ method: 'post', path: '/content', allow: 'public', summary: 'content', body: contentSchema }, () => ({ ok: true }))
    .route({ method: 'post', path: '/coupon', allow: 'public', summary: 'coupon', body: couponTemplateSchema }, () => ({ ok: true }))
    .route({ method: 'post', path: '/audience', allow: 'public', summary: 'audience', body: z.object({ audience: audienceSchema }) }, () => ({ ok: true }))
    .route({ method: 'post', path: '/deep', allow: 'public', summary: 'deep', body: z.unknown() }, () => ({ ok: true }));
  const app = new Koa();
  app.use(errorMiddleware(createLogger('silent')));
  app.use(bodyParser());
  app.use(api.routes());
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refused = async (path: string, body: unknown, lang?: string) => {
  const res = await fetch(url + '/api/v1' + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(lang ? { 'accept-language': lang } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };
  expect(error.code).toBe('VALIDATION_FAILED');
  return error;
};

const coupon = { name: '满减', kind: 'amount', amountOff: 0, validity: { kind: 'relative', days: 30 }, stock: 10, channels: [] };

test('a Chinese reader gets the schemas’ own refusals in Chinese through the edge; everyone else the same English as ever', async () => {
  expect((await refused('/content', { text: '  ' }, 'zh-CN,zh;q=0.9')).details).toEqual([{ path: 'body.text', message: '请填写消息内容' }]);
  const en = await refused('/content', { text: '  ' });
  expect(en.details).toEqual([{ path: 'body.text', message: 'write the message text' }]);
  expect(en.message).toBe('Invalid body: text write the message text');

  const zhCoupon = await refused('/coupon', coupon, 'zh');
  expect(Object.fromEntries(zhCoupon.details.map((d) => [d.path, d.message]))).toEqual({
    'body.channels': '请至少选择一个渠道',
    'body.amountOff': '满减券的减免金额必须大于 0（分）',
  });
  expect((await refused('/coupon', { ...coupon, channels: ['exchange'] }, 'zh')).details.map((d) => d.message)).toEqual([
    '满减券的减免金额必须大于 0（分）',
    '积分兑换券的所需积分必须大于 0',
  ]);
  expect((await refused('/coupon', { ...coupon, channels: ['exchange'] }, 'en-US')).details.map((d) => d.message)).toEqual([
    'an amount coupon needs amountOff > 0 (fen)',
    'an exchange coupon needs pointsCost > 0',
  ]);

  // A refusal whose line names a value: the audience's nesting bound, in both languages.
  let deep: unknown = { type: 'city', in: ['上海'] };
  for (let i = 0; i <= MAX_DEPTH; i++) deep = { type: 'group', op: 'and', rules: [deep] };
  expect((await refused('/audience', { audience: deep }, 'zh')).details.map((d) => d.message)).toEqual([`条件组最多嵌套 ${MAX_DEPTH} 层，请减少嵌套`]);
  expect((await refused('/audience', { audience: deep })).details.map((d) => d.message)).toEqual([
    `groups nest at most ${MAX_DEPTH} levels deep; flatten the audience`,
  ]);

  // The edge's own nesting limit, said by code with the limit it enforces.
  let nested: unknown = 1;
  for (let i = 0; i <= MAX_JSON_DEPTH; i++) nested = [nested];
  expect((await refused('/deep', nested, 'zh')).details[0].message).toBe(`嵌套超过 ${MAX_JSON_DEPTH} 层，请发送层级更少的数据`);
  expect((await refused('/deep', nested)).details[0].message).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels; send flatter JSON`);
});

test('zod’s own refusals read in Chinese, with the bound that was missed', () => {
  const schema = z
    .object({
      name: z.string().min(1).max(30),
      password: z.string().min(8),
      count: z.number().int().min(1).max(1000),
      kind: z.enum(['now', 'at']),
      at: z.coerce.date(),
      tags: z.array(z.string()).min(1),
      phone: z.string().regex(/^1\d{10}$/, msg('MAINLAND_MOBILE')),
    })
    .strict();
  const said = (value: unknown) => {
    const result = schema.safeParse(value, { error: zhIssue });
    return Object.fromEntries(result.error!.issues.map((i) => [i.path.join('.') || '(body)', sayIssue(i, 'zh')]));
  };
  expect(said({ name: '', password: 'abc', count: 2.5, kind: 'later', at: 'not a date', tags: [], phone: '123', extra: 1 })).toEqual({
    name: '不能为空',
    password: '至少需要 8 个字符',
    count: '应为整数',
    kind: '应为以下之一：now、at',
    at: '应为日期',
    tags: '至少需要 1 项',
    phone: '请填写 11 位中国大陆手机号',
    '(body)': '不支持的字段：extra',
  });
  expect(said({ name: 'x'.repeat(31), password: 'long-enough', count: 1001, kind: 'now', at: '2026-11-24', tags: ['a'], phone: '13900000000' })).toEqual({
    name: '最多 30 个字符',
    count: '不能大于 1000',
  });
  expect(said({})).toMatchObject({ name: '必填', password: '必填' });
});

test('zod’s refusals are said from the catalog by issue code, its {values} filled from the issue', () => {
  const said = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { error: zhIssue }).error!.issues[0].message;
  expect(said(z.array(z.string()).max(2), ['a', 'b', 'c'])).toBe(zodIssueWords['too_big.array'].replace('{maximum}', '2'));
  expect(said(z.number().gt(0), 0)).toBe('必须大于 0');
  expect(said(z.number().multipleOf(5), 7)).toBe('应为 5 的倍数');
  expect(said(z.string().email(), 'nope')).toBe(zodIssueWords['invalid_format.email']);
  expect(said(z.string().uuid(), 'nope')).toBe(zodIssueWords['invalid_format.other']);
  // A line naming a value the issues do not carry would read with a blank in it.
  expect(Object.values(zodIssueWords).filter((line) => /\{(?!minimum|maximum|expected|values|keys|divisor)\w+\}/.test(line))).toEqual([]);
});
