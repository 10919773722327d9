import { types, type Message, type Contact } from 'wechaty';
import type { ChatContact, CaptureInput } from '../../server/src/modules/conversations/conversation.service.js';
import type { MessageType } from '../../server/src/modules/conversations/conversation.model.js';
import { mimeOf } from '../../server/src/modules/conversations/attachment.service.js';

/** Translates Wechaty's messages and contacts into the conversations module's terms (no SDK types pass). */
const TYPES: Partial<Record<number, MessageType>> = {
  [types.Message.Text]: 'text',
  [types.Message.Image]: 'image',
  [types.Message.Attachment]: 'file',
  [types.Message.Url]: 'url',
  [types.Message.MiniProgram]: 'mini-program',
  [types.Message.Video]: 'video',
  [types.Message.Audio]: 'audio',
  [types.Message.Emoticon]: 'emoticon',
  [types.Message.Contact]: 'contact',
  [types.Message.Location]: 'location',
};

/**
 * A contact in the conversations module's terms. Wechaty's payload has no unionid field; puppets
 * that know it (some service and WeCom-based puppets) add it to the payload as `unionId` or
 * `unionid`, and then it joins the chat to the member profile with that unionid.
 */
export function chatContact(c: Contact): ChatContact {
  const payload = c.payload as { avatar?: string; unionId?: unknown; unionid?: unknown } | undefined;
  const unionId = [payload?.unionId, payload?.unionid].find((u): u is string => typeof u === 'string' && /^[\w-]{8,128}$/.test(u));
  return { id: c.id, name: c.name() || undefined, avatar: payload?.avatar || undefined, ...(unionId ? { unionId } : {}) };
}

/** Type, text and media metadata; media details are best effort (puppets differ in what they give). */
export async function messageContent(
  msg: Message,
): Promise<Pick<CaptureInput, 'type' | 'text' | 'media'> & { file?: { name: string; mime: string; bytes: Buffer } }> {
  let file: { name: string; mime: string; bytes: Buffer } | undefined;
  const type = TYPES[msg.type()] ?? 'other';
  if (type === 'text') return { type, text: msg.text() };
  const media: NonNullable<CaptureInput['media']> = {};
  try {
    if (type === 'url') {
      const link = await msg.toUrlLink();
      Object.assign(media, { url: link.url(), title: link.title(), description: link.description() ?? undefined });
    } else if (type === 'mini-program') {
      const mp = await msg.toMiniProgram();
      Object.assign(media, {
        appId: mp.appid() ?? undefined,
        title: mp.title() ?? undefined,
        pagePath: mp.pagePath() ?? undefined,
        description: mp.description() ?? undefined,
      });
    } else if (['image', 'file', 'video', 'audio', 'emoticon'].includes(type)) {
      const box = await msg.toFileBox();
      media.name = box.name;
      // A URL-backed box is kept as its link; one that carries its bytes (an image, file, voice message
      // or video the puppet downloaded) is kept whole, so agents see what the customer sent (capture stores the bytes).
      const url = (() => {
        try {
          return (box.toJSON() as { url?: unknown }).url;
        } catch {
          return undefined;
        }
      })();
      if (typeof url === 'string') media.url = url;
      else if (type === 'image' || type === 'file' || type === 'audio' || type === 'video')
        file = { name: box.name, mime: mimeOf(box.name, box.mediaType || 'application/octet-stream'), bytes: await box.toBuffer() };
    }
  } catch {
    // Metadata is a bonus: the message is stored with its type even when the puppet cannot describe it.
  }
  return { type, text: msg.text() || undefined, media: Object.values(media).some(Boolean) ? media : undefined, ...(file ? { file } : {}) };
}
