import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from '../broadcasts/broadcast-testbed.js';
import { handlers } from '../../../scripts/wecom-fake/fake-api.js';
import type { AddMsgTemplateBody } from '../../../scripts/wecom-fake/fake-requests.js';
import { fail } from '../../../scripts/wecom-fake/fake-reply.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * A journey message whose send outcome is unknown (WeCom answered "system busy") is checked against
 * WeCom before it is tried again. The local WeCom stamps messages with the real time and the check
 * asks by time, from a minute before the attempt: the test clock starts two minutes behind the wall
 * clock, so after its one-minute steps an attempt is never later than WeCom's stamp (starting at the
 * wall clock, a send stamped within a second of the start fell outside the window). The send window
 * is off so the hour of the run is moot.
 */
let clock = Date.now() - 120_000;
let tb: BroadcastTestbed;
let owner: string;
const s = () => tb.app.rt.services;
const addMsgTemplate = handlers['POST externalcontact/add_msg_template'];

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock), env: { JOURNEY_SEND_WINDOW: 'always' } });
  owner = await tb.staff('gao');
}, 60_000);
afterAll(async () => {
  handlers['POST externalcontact/add_msg_template'] = addMsgTemplate;
  await tb?.stop();
});

let n = 0;
async function contact(name: string) {
  const ext = `wmr${++n}`;
  tb.fake.corp.upsertContact({ name, external_userid: ext });
  tb.fake.corp.follow('gao', ext);
  const id = await s().customers.identify(tb.tenantId, { externalUserId: ext }, { name, ownerStaffId: owner }, 'wecom');
  await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
  await grantMarketing(s(), tb.tenantId, [id]);
  return { id, ext };
}
const runOf = async (customerId: string) => (await s().journeys.runsForCustomer(tb.tenantId, customerId))[0] as any;

test('a welcome WeCom took but whose answer was lost is found there after the lease and not sent again; one WeCom never took is sent once', async () => {
  const text = '欢迎！我是您的专属顾问小高';
  const res = await tb.app.request('POST', '/api/v1/journeys', {
    token: tb.manager,
    body: { name: '欢迎', trigger: { type: 'customer.created' }, steps: [{ type: 'send', channel: 'wecom_group_msg', text }] },
  });
  expect(res.status).toBe(201);

  // WeCom carries out the first send but our server only sees "system busy".
  let lose = true;
  handlers['POST externalcontact/add_msg_template'] = (corp, req) => {
    const out = addMsgTemplate(corp, req);
    if (lose && (req.body as AddMsgTemplateBody)?.text?.content === text) {
      lose = false;
      fail(-1, 'system busy');
    }
    return out;
  };
  const taken = await contact('已送达');
  clock += 61_000; // welcomes start a minute after the profile appears
  await s().journeys.tick();
  expect(sentTo(tb.fake, text)).toEqual(new Map([[taken.ext, 1]]));
  expect(await runOf(taken.id)).toMatchObject({ state: 'active', step: 0 });

  // The next tick within the lease leaves it alone; after the lease WeCom is asked.
  await s().journeys.tick();
  clock += 61_000;
  await s().journeys.tick();
  const run = await runOf(taken.id);
  expect(run.state).toBe('done');
  expect(run.log.map((l: any) => l.outcome)).toEqual([expect.stringMatching(/^sent \(confirmed after restart\)/)]);
  expect(sentTo(tb.fake, text).get(taken.ext)).toBe(1);

  // This time WeCom refuses before doing anything: after the lease the message is sent, once.
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', times: 1, errcode: -1, errmsg: 'system busy' });
  const refused = await contact('重试');
  clock += 61_000;
  await s().journeys.tick();
  expect(sentTo(tb.fake, text).has(refused.ext)).toBe(false);
  clock += 61_000;
  await s().journeys.tick();
  expect(await runOf(refused.id)).toMatchObject({ state: 'done' });
  expect(sentTo(tb.fake, text).get(refused.ext)).toBe(1);
});
