import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { FileBox } from 'file-box';
import { startMockChat, eventually, type MockChat } from './mock-chat.js';

/**
 * Erasing a customer (PIPL art. 47) erases the files their chats carried: the bytes are gone from the
 * desk's attachment store, GridFS and disk alike, not only the message rows naming them. Before that,
 * the staff export lists those files (name, type, size, time).
 */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export function attachmentErasureSuite(store: 'gridfs' | 'disk'): void {
  let chat: MockChat;
  const dir = mkdtempSync(join(tmpdir(), 'desk-erase-'));
  beforeAll(async () => {
    chat = await startMockChat({ DESK_ATTACHMENT_STORE: store, DESK_ATTACHMENT_DIR: dir });
  }, 120_000);
  afterAll(() => chat.stop());

  const tenant = () => chat.app.config.DEFAULT_TENANT;
  const desk = () => chat.app.rt.services.desk;
  const storedBytes = async () =>
    store === 'disk'
      ? readdirSync(join(dir, encodeURIComponent(tenant()))).filter((f) => !f.endsWith('.json')).length
      : mongoose.connection.collection('desk_attachments.chunks').countDocuments({});

  test(`${store}: an erased customer's pictures and files, both ways, are deleted from the store; the export listed them before`, async () => {
    const agent = await chat.app.staff('agent', '小删');
    const admin = await chat.app.staff('admin', '管理员');
    await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true } });
    const user = chat.contact(`删我-${store}`);
    user.say('人工');
    await user.hears(/我是 小删/);
    const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
    const id = String(conv._id);

    // The customer sends a PDF; the agent sends a picture.
    const pdf = Buffer.from('%PDF-1.4\n% 合同\n');
    const box = FileBox.fromBase64(pdf.toString('base64'), '合同.pdf');
    (box as any)._mediaType = 'application/octet-stream';
    user.mock.say(box).to(chat.account);
    const up = await fetch(`${chat.app.url}/api/v1/desk/attachments?name=${encodeURIComponent('尺码.png')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    const attachmentId = ((await up.json()) as any).attachmentId;
    await chat.app.request('POST', `/api/v1/conversations/${id}/messages`, { token: agent.token, body: { attachmentId, key: `erase-${store}` } });
    const history = async () => (await chat.app.request('GET', `/api/v1/conversations/${id}/messages`, { token: agent.token })).body.items as any[];
    const ids = await eventually(
      async () => {
        const withFiles = (await history()).filter((m) => m.media?.attachmentId);
        return withFiles.length === 2 ? withFiles.map((m) => m.media.attachmentId as string) : null;
      },
      8000,
      'both files in the chat',
    );
    const before = await storedBytes();
    const read = (fileId: string) => fetch(`${chat.app.url}/api/v1/desk/attachments/${fileId}`, { headers: { authorization: `Bearer ${agent.token}` } });
    for (const f of ids) expect((await read(f)).status).toBe(200);

    const customerId = String(conv.customerId);
    const exported = await chat.app.request('GET', `/api/v1/privacy/customers/${customerId}/export`, { token: admin.token });
    expect(exported.status).toBe(200);
    const listed = exported.body.conversations
      .flatMap((c: any) => c.messages)
      .filter((m: any) => m.attachment)
      .map((m: any) => m.attachment);
    expect(listed).toEqual(
      expect.arrayContaining([
        { name: '合同.pdf', type: 'application/pdf', size: pdf.length, at: expect.any(String) },
        { name: '尺码.png', type: 'image/png', size: PNG.length, at: expect.any(String) },
      ]),
    );

    const erased = await chat.app.request('POST', `/api/v1/privacy/customers/${customerId}/erasure`, {
      token: admin.token,
      body: { reason: '客户申请删除 #1' },
    });
    expect(erased.status).toBe(200);
    expect(erased.body.counts.desk_attachments).toBe(2);
    // The bytes are gone from the store itself, not only unreachable through the API.
    for (const f of ids) expect((await read(f)).status).toBe(404);
    expect(await storedBytes()).toBe(before - 2);
    if (store === 'gridfs')
      expect(
        await mongoose.connection.collection('desk_attachments.files').countDocuments({ _id: { $in: ids.map((f) => new mongoose.Types.ObjectId(f)) } }),
      ).toBe(0);
    // Erasing again finds nothing more to delete and fails nothing.
    expect(
      (await chat.app.request('POST', `/api/v1/privacy/customers/${customerId}/erasure`, { token: admin.token, body: { reason: '客户申请删除 #1' } })).status,
    ).toBe(200);
  });
}
