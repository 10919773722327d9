import { AppError, notFound } from '../../shared/app-error.js';
import { ConversationErrorCode } from './conversations.exception.js';
import type { AttachmentStore, StoredFile } from './attachment-store.js';

/**
 * What agents may send, as the channels take it: WeCom's media/upload takes JPG/PNG images up to 10 MB
 * and files up to 20 MB (https://developer.work.weixin.qq.com/document/path/90253), and a Wechaty
 * FileBox carries the same. An image must also start like one (PNG / JPEG signature), so a renamed
 * file is not shown to the customer as a broken picture.
 */
export const ATTACHMENT_LIMITS = { image: 10 * 1024 * 1024, file: 20 * 1024 * 1024 } as const;
export const IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;
export const FILE_TYPES = [
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/zip',
  'text/plain',
  'text/csv',
] as const;
export const ATTACHMENT_TYPES = [...IMAGE_TYPES, ...FILE_TYPES] as const;
export type AttachmentKind = 'image' | 'file';
/** What customers send may also be a voice message or a video (kept and played in the inbox; agents send images and files). */
export type IncomingKind = AttachmentKind | 'audio' | 'video';

const SIGNATURES: Record<(typeof IMAGE_TYPES)[number], number[]> = { 'image/png': [0x89, 0x50, 0x4e, 0x47], 'image/jpeg': [0xff, 0xd8, 0xff] };

export const kindOf = (mime: string): AttachmentKind => ((IMAGE_TYPES as readonly string[]).includes(mime) ? 'image' : 'file');

/** An attachment as messages and outbound rows carry it. */
export interface AttachmentRef {
  attachmentId: string;
  kind: AttachmentKind;
  name: string;
  mime: string;
  size: number;
}

export class AttachmentService {
  constructor(private readonly store: AttachmentStore) {}

  /** The largest body the upload route reads before refusing. */
  readonly maxBytes = ATTACHMENT_LIMITS.file;

  /** An agent's upload, checked against the channels' limits; the mime type was checked at the edge. */
  async upload(tenantId: string, file: StoredFile): Promise<AttachmentRef> {
    const kind = kindOf(file.mime);
    if (file.bytes.length > ATTACHMENT_LIMITS[kind]) throw tooLarge(kind);
    if (!file.bytes.length)
      throw new AppError(ConversationErrorCode.ATTACHMENT_TYPE, 'The file is empty; choose the file again', { status: 400, details: { kind } });
    if (kind === 'image' && !SIGNATURES[file.mime as keyof typeof SIGNATURES].every((b, i) => file.bytes[i] === b)) {
      throw new AppError(
        ConversationErrorCode.ATTACHMENT_TYPE,
        `This is not a ${file.mime === 'image/png' ? 'PNG' : 'JPEG'} image; send it as a file or choose a JPG/PNG picture`,
        { status: 415, details: { mime: file.mime } },
      );
    }
    const { id, size } = await this.store.put(tenantId, file);
    return { attachmentId: id, kind, name: file.name, mime: file.mime, size };
  }

  /** What a customer sent through a channel: kept as it came (within the largest size a channel sends). */
  async keepIncoming(tenantId: string, kind: IncomingKind, file: StoredFile): Promise<(Omit<AttachmentRef, 'kind'> & { kind: IncomingKind }) | undefined> {
    if (!file.bytes.length || file.bytes.length > ATTACHMENT_LIMITS.file) return undefined;
    const { id, size } = await this.store.put(tenantId, file);
    return { attachmentId: id, kind, name: file.name, mime: file.mime, size };
  }

  get(tenantId: string, id: string) {
    return this.store.get(tenantId, id);
  }

  /** Deletes stored attachments (a person's data erased); returns how many were there. */
  async remove(tenantId: string, ids: string[]): Promise<number> {
    let n = 0;
    for (const id of new Set(ids)) if (await this.store.remove(tenantId, id)) n++;
    return n;
  }

  /** An uploaded attachment as a reply carries it, or a 404 the agent can act on (upload again). */
  async ref(tenantId: string, id: string): Promise<AttachmentRef> {
    const info = await this.store.stat(tenantId, id);
    if (!info) throw notFound('Attachment');
    return { attachmentId: id, kind: kindOf(info.mime), name: info.name, mime: info.mime, size: info.size };
  }
}

export const tooLarge = (kind: AttachmentKind) =>
  new AppError(
    ConversationErrorCode.ATTACHMENT_TOO_LARGE,
    `${kind === 'image' ? 'Images' : 'Files'} can be at most ${ATTACHMENT_LIMITS[kind] / 1024 / 1024} MB`,
    {
      status: 413,
      details: { kind, maxMb: ATTACHMENT_LIMITS[kind] / 1024 / 1024 },
    },
  );

/** The mime type a file name suggests, for channels that give only a name (a Wechaty FileBox, WeCom's media/get). */
export function mimeOf(name: string, fallback = 'application/octet-stream'): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const byExt: Record<string, string> = {
    // Voice: WeCom's kf gives AMR (or SILK with voice_format 1), Wechaty puppets SILK; neither plays in a browser.
    amr: 'audio/amr',
    silk: 'audio/silk',
    sil: 'audio/silk',
    mp3: 'audio/mpeg',
    m4a: 'audio/mp4',
    wav: 'audio/wav',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    pdf: 'application/pdf',
    txt: 'text/plain',
    csv: 'text/csv',
    zip: 'application/zip',
    doc: 'application/msword',
    docx: FILE_TYPES[2],
    xls: 'application/vnd.ms-excel',
    xlsx: FILE_TYPES[4],
    ppt: 'application/vnd.ms-powerpoint',
    pptx: FILE_TYPES[6],
  };
  return (ext && byExt[ext]) || fallback;
}
