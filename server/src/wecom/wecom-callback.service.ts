import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../shared/deps.js';
import type { Extensions } from '../shared/extensions.js';
import { isDuplicateKeyError } from '../shared/db.js';
import type { ExternalContactService } from './external-contact.service.js';
import type { TagSyncService } from './tag-sync.service.js';
import { WecomCallbackModel } from './wecom-callback.model.js';

export type CallbackFields = Record<string, string>;

/**
 * The change_external_contact events that settle a customer transfer (在职/离职继承): the taker's add,
 * the giver's removal by transfer, a failure. The wecom-transfers module provides it (extension
 * point `wecom.transfer-events`); without it these events only update the contacts.
 */
export interface TransferEvents {
  onTakeoverAdded(tenantId: string, e: { userid: string; externalUserId: string }): Promise<void>;
  onHandoverRemoved(tenantId: string, e: { userid: string; externalUserId: string; at: Date }): Promise<void>;
  onTransferFail(tenantId: string, e: { userid: string; externalUserId: string; failReason?: string }): Promise<void>;
}

/** A module's handler for one callback event: 微信客服's kf_msg_or_event, customer groups' change_external_chat. */
export interface CallbackHandler {
  event: string;
  handle(tenantId: string, fields: CallbackFields): Promise<void>;
}

declare module '../shared/extensions.js' {
  interface ExtensionPoints {
    'wecom.transfer-events': TransferEvents;
    'wecom.callback-handler': CallbackHandler;
  }
}

const MAX_ATTEMPTS = 8;

/**
 * Events whose handler only re-reads the current state from WeCom. Two real changes within one second
 * (two edits of a contact) produce identical XML, so for these the delivery's nonce is part of the
 * identity: an exact replay is still ignored, a second change is not swallowed.
 */
const REFETCH = new Set([
  'change_external_contact:edit_external_contact',
  'change_external_chat:update',
  'change_external_chat:create',
  'change_external_tag:create',
  'change_external_tag:update',
  'change_external_tag:delete',
  'change_external_tag:shuffle',
]);

/**
 * An event's identity: every field of the decrypted message, so WeCom's retry of an add or a delete is
 * the same key and runs once (one welcome message, one follow-up).
 */
export function callbackKey(fields: CallbackFields, nonce = ''): string {
  if (fields.MsgId) return `msg:${fields.MsgId}`;
  const canonical = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  const salt = REFETCH.has(`${fields.Event}:${fields.ChangeType}`) ? `\nnonce=${nonce}` : '';
  return `evt:${createHash('sha256')
    .update(canonical + salt)
    .digest('hex')}`;
}

/**
 * Stores accepted callbacks (deduplicated) and processes them in the worker. Processing is
 * idempotent: a failed attempt leaves the row pending and the repair job tries again.
 */
export class WecomCallbackService {
  constructor(
    private readonly deps: Deps,
    private readonly s: { contacts: ExternalContactService; tagSync: TagSyncService },
    private readonly extensions: Extensions,
  ) {}

  /** The transfers module, when composed: WeCom's contact events that settle a 在职/离职继承 go to it. */
  private get transfers(): TransferEvents | undefined {
    return this.extensions.one('wecom.transfer-events');
  }

  /** Returns the stored id, or null when this event was seen before (retry or replay). */
  async accept(tenantId: string, fields: CallbackFields, nonce = ''): Promise<string | null> {
    try {
      const doc = await WecomCallbackModel.create({
        tenantId,
        dedupeKey: callbackKey(fields, nonce),
        event: fields.Event ?? fields.MsgType ?? 'unknown',
        changeType: fields.ChangeType,
        data: fields,
        receivedAt: this.deps.now(),
      });
      return String(doc._id);
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  async process(callbackId: string): Promise<void> {
    if (!Types.ObjectId.isValid(callbackId)) return;
    const cb = await WecomCallbackModel.findOne({ _id: callbackId, status: 'pending' }).lean();
    if (!cb) return;
    try {
      await this.dispatch(cb.tenantId, String(cb._id), cb.data as CallbackFields, cb.receivedAt);
      await WecomCallbackModel.updateOne({ _id: cb._id }, { $set: { status: 'done', doneAt: this.deps.now() }, $inc: { attempts: 1 }, $unset: { error: 1 } });
    } catch (err) {
      const attempts = cb.attempts + 1;
      await WecomCallbackModel.updateOne(
        { _id: cb._id },
        { $set: { status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', error: (err as Error).message }, $inc: { attempts: 1 } },
      );
      throw err;
    }
  }

  private async dispatch(tenantId: string, callbackId: string, f: CallbackFields, receivedAt: Date): Promise<void> {
    const createTime = f.CreateTime ? Number(f.CreateTime) : undefined;
    const handler = f.Event ? this.extensions.all('wecom.callback-handler').find((h) => h.event === f.Event) : undefined;
    if (handler) return handler.handle(tenantId, f);
    if (f.Event === 'change_external_contact') {
      const e = {
        callbackId,
        userid: f.UserID,
        externalUserId: f.ExternalUserID,
        state: f.State || undefined,
        welcomeCode: f.WelcomeCode || undefined,
        createTime,
        receivedAt,
      };
      switch (f.ChangeType) {
        case 'add_external_contact':
        case 'add_half_external_contact':
          await this.s.contacts.onAdd(tenantId, e);
          // The taker of a transfer gets an add event when WeCom completes it.
          await this.transfers?.onTakeoverAdded(tenantId, e);
          return;
        case 'edit_external_contact':
          await this.s.contacts.onEdit(tenantId, e);
          return;
        case 'del_external_contact':
          if (f.Source === 'DELETE_BY_TRANSFER')
            await this.transfers?.onHandoverRemoved(tenantId, { ...e, at: createTime ? new Date(createTime * 1000) : receivedAt });
          else await this.s.contacts.onLost(tenantId, e, 'staff');
          return;
        case 'transfer_fail':
          await this.transfers?.onTransferFail(tenantId, { ...e, failReason: f.FailReason });
          return;
        case 'del_follow_user':
          await this.s.contacts.onLost(tenantId, e, 'customer');
          return;
      }
    } else if (f.Event === 'change_external_tag') {
      await this.s.tagSync.pullCorpTags(tenantId);
      return;
    }
    this.deps.log.debug({ event: f.Event, changeType: f.ChangeType }, 'WeCom callback with no handler; stored only');
  }

  /** The repair job: callbacks whose processing job never ran or failed are tried again. */
  async repair(olderThanMs = 30_000): Promise<number> {
    const before = new Date(this.deps.now().getTime() - olderThanMs);
    const rows = await WecomCallbackModel.find({ status: 'pending', updatedAt: { $lt: before } })
      .sort({ receivedAt: 1 })
      .limit(100)
      .lean();
    for (const r of rows) await this.process(String(r._id)).catch(() => undefined);
    return rows.length;
  }

  async get(id: string) {
    return WecomCallbackModel.findOne({ _id: id }).lean();
  }
}
