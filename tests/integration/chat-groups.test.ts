import { startTestApp, type TestApp } from '../support/harness.js';

/** The members of a bot room follow joins and leaves; several people leaving at once all go. */
let app: TestApp;
const at = new Date('2026-03-02T08:00:00.000Z');
beforeAll(async () => {
  app = await startTestApp({ now: () => at });
});
afterAll(() => app.stop());

test('members who leave a room together are all removed from it; the others stay', async () => {
  const groups = app.rt.services.desk.groups;
  const T = app.config.DEFAULT_TENANT;
  const people = ['wxid_leave_a', 'wxid_leave_b', 'wxid_leave_c', 'wxid_leave_d'].map((id, i) => ({ id, name: `群成员${i}` }));
  await groups.roomJoined(T, 'bot-1', { id: 'room-leave', topic: '退群测试' }, people, at);
  await groups.roomLeft(T, 'room-leave', ['wxid_leave_a', 'wxid_leave_c', 'wxid_not_a_member']);
  expect((await groups.group(T, 'room-leave'))!.members.map((m) => m.contactId)).toEqual(['wxid_leave_b', 'wxid_leave_d']);
  await groups.roomLeft(T, 'room-leave', []);
  expect((await groups.group(T, 'room-leave'))!.members).toHaveLength(2);
});
