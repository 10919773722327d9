// A Chinese page that sends something a schema refuses shows the refusal in Chinese: zod's own
// refusals by issue code, the schemas' own English sentences from SAID (server/src/shared/http/validation-zh.ts).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SAID, zhIssue, zhMessage } from '../../server/src/shared/http/validation-zh.js';
import { zodIssueWords } from '../../server/src/i18n/validation.zh-CN.js';
import { sourceFiles } from '../support/source-files.js';

/** Sentences the schemas write themselves: zod checks given a message, and `message:` / `error:` options. */
function schemaSentences(): Set<string> {
  const found = new Set<string>();
  const check = /\.(?:min|max|length|regex|refine|superRefine|int|positive|nonnegative|email|url)\((?:[^()']|\([^()]*\))*?,\s*'([^']+)'/g;
  const option = /(?:message|error):\s*'([^']+)'/g;
  for (const file of sourceFiles('server/src')) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('zod')) continue;
    for (const re of [check, option]) for (const [, sentence] of text.matchAll(re)) found.add(sentence);
  }
  return found;
}

/** Found by the scan but not request validation: the config's boot check (for operators) and delivery reasons. */
const NOT_REQUEST_VALIDATION = new Set([
  'set APP_SECRET (e.g. `openssl rand -base64 48`); `npm start` generates one for the demo',
  'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI',
  'REDIS_URL must be a redis:// URI',
  'DEMO_MODE must be off in production',
  'API_RESPONSE_CHECK is for tests; turn it off in production',
  'not_a_contact_of_sender',
  'no_bot_chat',
  'interrupted while sending; not retried (may have been delivered)',
]);

test('every sentence a request schema writes has a Chinese line', () => {
  const sentences = schemaSentences();
  for (const known of ['must be a 24-character hex id', 'a mainland mobile number, 11 digits', 'tier thresholds must rise strictly, lowest tier first'])
    expect(sentences).toContain(known);
  expect([...sentences].filter((s) => !(s in SAID) && !NOT_REQUEST_VALIDATION.has(s))).toEqual([]);
  // Nor does SAID keep lines for sentences no schema writes any more.
  expect(Object.keys(SAID).filter((s) => !sentences.has(s))).toEqual([]);
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
      phone: z.string().regex(/^1\d{10}$/, 'a mainland mobile number, 11 digits'),
    })
    .strict();
  const said = (value: unknown) => {
    const result = schema.safeParse(value, { error: zhIssue });
    return Object.fromEntries(result.error!.issues.map((i) => [i.path.join('.') || '(body)', zhMessage(i.message)]));
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
