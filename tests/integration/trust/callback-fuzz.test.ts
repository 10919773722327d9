import fc from 'fast-check';
import { startWecomTestbed, type WecomTestbed } from '../wecom/wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';
import { rawRequest } from './trust-support.js';
import { depth } from '../../support/depth.js';

/** 1,500 with FUZZ_DEEP=1, a third of that in `npm test` (tests/support/depth.ts). */
const CASES = depth(1500);

/**
 * WeCom's callback URL is public: anyone can post to it. Malformed, oversized, hostile XML (entity
 * bombs, deep nesting) and junk query strings get a 4xx with a message, never a 5xx, quickly, and
 * nothing is stored. Seeded, so a failure is reproducible.
 */
let tb: WecomTestbed;
beforeAll(async () => {
  tb = await startWecomTestbed();
}, 30_000);
afterAll(() => tb.stop());

const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><xml><Encrypt>&lol9;</Encrypt></xml>`;
const hostile = [
  bomb,
  '<xml>' + '<a>'.repeat(20_000) + '</a>'.repeat(20_000) + '</xml>',
  `<xml><Encrypt><![CDATA[${'A'.repeat(200_000)}]]></Encrypt></xml>`,
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>',
  '<xml><Encrypt></Encrypt></xml>',
  '<xml><Encrypt>not base64 !!</Encrypt></xml>',
  '<xml>',
  '',
  '{"json": true}',
  '\u0000\u0001\u0002',
];
const body = fc.oneof(
  fc.constantFrom(...hostile),
  fc.string({ maxLength: 300 }),
  fc.string({ maxLength: 60 }).map((s) => `<xml><ToUserName>${s}</ToUserName><Encrypt><![CDATA[${Buffer.from(s).toString('base64')}]]></Encrypt></xml>`),
  fc.base64String({ maxLength: 400 }).map((s) => `<xml><Encrypt>${s}</Encrypt><AgentID>1</AgentID></xml>`),
);
const query = fc.oneof(
  fc.constant(() => `msg_signature=${'a'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=n1`),
  fc.tuple(fc.string({ maxLength: 50 }), fc.string({ maxLength: 15 }), fc.string({ maxLength: 20 })).map(
    ([s, t, n]) =>
      () =>
        new URLSearchParams({ msg_signature: s, timestamp: t, nonce: n }).toString(),
  ),
  fc.constant(() => `msg_signature=x&timestamp=${Math.floor(Date.now() / 1000) - 3600}&nonce=n`),
  fc.constant(() => ''),
);

test(`${CASES.toLocaleString('en')} hostile callback requests (entity bombs, deep nesting, junk) get a 4xx fast and store nothing`, async () => {
  const before = await WecomCallbackModel.countDocuments({});
  const cases = fc.sample(fc.tuple(fc.constantFrom('post', 'post', 'post', 'get'), query, body, fc.string({ maxLength: 40 })), { numRuns: CASES, seed: 1123 });
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  let slowest = 0;
  for (let i = 0; i < cases.length; i += 16) {
    await Promise.all(
      cases.slice(i, i + 16).map(async ([method, q, b, echostr]) => {
        const qs = q() + (method === 'get' ? `&echostr=${encodeURIComponent(echostr)}` : '');
        const started = Date.now();
        const res = await rawRequest(tb.app.url, method, `/wecom/callback?${qs}`, {
          body: method === 'post' ? b : undefined,
          contentType: 'text/xml',
          timeoutMs: 10_000,
        });
        slowest = Math.max(slowest, Date.now() - started);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const message = res.body?.error?.message;
        if (res.status < 400 || res.status >= 500 || typeof message !== 'string' || !message)
          failures.push(`${method} ?${qs.slice(0, 80)} ${b.slice(0, 80)} → ${res.status} ${res.text.slice(0, 120)}`);
      }),
    );
  }
  console.info(`callback fuzz: ${cases.length} requests; statuses ${JSON.stringify(statuses)}; slowest ${slowest} ms`);
  expect(failures.slice(0, 10)).toEqual([]);
  expect(slowest).toBeLessThan(5000);
  expect(await WecomCallbackModel.countDocuments({})).toBe(before);
}, 60_000);
