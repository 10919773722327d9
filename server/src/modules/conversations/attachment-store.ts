import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import mongoose, { Types } from 'mongoose';
import type { Config } from '../../config/env.js';

/** One stored attachment: what the bytes are, for the page and the channels. */
export interface StoredFile {
  name: string;
  mime: string;
  bytes: Buffer;
}

/**
 * Where chat attachments live, behind the smallest contract the desk needs (DESK_ATTACHMENT_STORE):
 * GridFS in the product's MongoDB (every server, worker and bot reads what another wrote), or a local
 * folder for a one-machine install. Ids are ObjectIds; every read is scoped to the brand.
 */
export interface AttachmentStore {
  put(tenantId: string, file: StoredFile): Promise<{ id: string; size: number }>;
  get(tenantId: string, id: string): Promise<StoredFile | null>;
  /** What is stored under the id, without the bytes. */
  stat(tenantId: string, id: string): Promise<{ name: string; mime: string; size: number } | null>;
  /** Deletes the bytes and what is known of them; an id already gone (or another brand's) is no error. */
  remove(tenantId: string, id: string): Promise<boolean>;
}

class GridFsStore implements AttachmentStore {
  private bucket() {
    return new mongoose.mongo.GridFSBucket(mongoose.connection.db!, { bucketName: 'desk_attachments' });
  }

  async put(tenantId: string, file: StoredFile) {
    const id = new Types.ObjectId();
    await new Promise<void>((ok, fail) => {
      const up = this.bucket().openUploadStreamWithId(id, file.name, { metadata: { tenantId, mime: file.mime } });
      up.once('finish', () => ok());
      up.once('error', fail);
      up.end(file.bytes);
    });
    return { id: String(id), size: file.bytes.length };
  }

  async stat(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) return null;
    const [doc] = await this.bucket()
      .find({ _id: new Types.ObjectId(id), 'metadata.tenantId': tenantId })
      .limit(1)
      .toArray();
    return doc ? { name: doc.filename, mime: String(doc.metadata?.mime ?? 'application/octet-stream'), size: doc.length } : null;
  }

  async remove(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) return false;
    const bucket = this.bucket();
    const [doc] = await bucket
      .find({ _id: new Types.ObjectId(id), 'metadata.tenantId': tenantId })
      .limit(1)
      .toArray();
    if (!doc) return false;
    // Deletes the file document and its chunks; a concurrent delete having won is the same outcome.
    await bucket.delete(doc._id).catch((err: Error) => {
      if (!/FileNotFound|File not found/i.test(err.message)) throw err;
    });
    return true;
  }

  async get(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) return null;
    const bucket = this.bucket();
    const [doc] = await bucket
      .find({ _id: new Types.ObjectId(id), 'metadata.tenantId': tenantId })
      .limit(1)
      .toArray();
    if (!doc) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.openDownloadStream(doc._id)) chunks.push(chunk as Buffer);
    return { name: doc.filename, mime: String(doc.metadata?.mime ?? 'application/octet-stream'), bytes: Buffer.concat(chunks) };
  }
}

class DiskStore implements AttachmentStore {
  constructor(private readonly dir: string) {}

  async put(tenantId: string, file: StoredFile) {
    const id = String(new Types.ObjectId());
    const folder = join(this.dir, encodeURIComponent(tenantId));
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, id), file.bytes);
    await writeFile(join(folder, `${id}.json`), JSON.stringify({ name: file.name, mime: file.mime }));
    return { id, size: file.bytes.length };
  }

  async remove(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) return false;
    const folder = join(this.dir, encodeURIComponent(tenantId));
    const had = await readFile(join(folder, `${id}.json`)).then(
      () => true,
      () => false,
    );
    await rm(join(folder, id), { force: true });
    await rm(join(folder, `${id}.json`), { force: true });
    return had;
  }

  async stat(tenantId: string, id: string) {
    const file = await this.get(tenantId, id);
    return file ? { name: file.name, mime: file.mime, size: file.bytes.length } : null;
  }

  async get(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) return null;
    const folder = join(this.dir, encodeURIComponent(tenantId));
    try {
      const meta = JSON.parse(await readFile(join(folder, `${id}.json`), 'utf8')) as { name: string; mime: string };
      return { ...meta, bytes: await readFile(join(folder, id)) };
    } catch {
      return null;
    }
  }
}

export function attachmentStore(config: Pick<Config, 'DESK_ATTACHMENT_STORE' | 'DESK_ATTACHMENT_DIR'>): AttachmentStore {
  return config.DESK_ATTACHMENT_STORE === 'disk' ? new DiskStore(resolve(config.DESK_ATTACHMENT_DIR)) : new GridFsStore();
}
