import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachmentStore } from '../attachment-store.js';

// The one-machine store (DESK_ATTACHMENT_STORE=disk): what one brand keeps, only that brand reads.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desk-attachments-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('the disk store gives back the file, its name and type, to the brand that stored it and nobody else', async () => {
  const store = attachmentStore({ DESK_ATTACHMENT_STORE: 'disk', DESK_ATTACHMENT_DIR: dir });
  const bytes = Buffer.from('%PDF-1.4 发票');
  const { id, size } = await store.put('brand-a', { name: '发票.pdf', mime: 'application/pdf', bytes });
  expect(size).toBe(bytes.length);
  const got = await store.get('brand-a', id);
  expect(got).toMatchObject({ name: '发票.pdf', mime: 'application/pdf' });
  expect(got!.bytes.equals(bytes)).toBe(true);
  expect(await store.stat('brand-a', id)).toEqual({ name: '发票.pdf', mime: 'application/pdf', size: bytes.length });
  expect(await store.get('brand-b', id)).toBeNull();
  expect(await store.get('brand-a', '../../etc/passwd')).toBeNull();
});
