import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { AppError } from '../../shared/app-error.js';
import { ChatBindingModel } from './chat-binding.model.js';
import { CustomerErrorCode } from './customer.errors.js';
import type { CustomerMergeService } from './customer-merge.service.js';
import type { CustomerService } from './customer.service.js';

/** How long a binding link works after the bot gives it. */
export const BIND_LINK_MINUTES = 30;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

const invalidLink = () =>
  new AppError(CustomerErrorCode.BIND_LINK_INVALID, 'This binding link is unknown, used or expired; send 绑定 to the chat again for a new one', {
    status: 410,
  });
const alreadyBound = () =>
  new AppError(
    CustomerErrorCode.CHAT_ALREADY_BOUND,
    'This chat contact is already joined to a member profile; staff can merge profiles if it is the wrong one',
    { status: 409 },
  );

/** Only a chat contact's own profile (known by nothing but its chat ids) may be bound by a link. */
const chatOnly = (doc: { identities?: Array<{ type?: string | null }> }) => (doc.identities ?? []).every((i) => i.type === 'wechatyContactId');

/**
 * Joins a chat contact to the member behind it by a verified exchange: the bot gives the chat a
 * one-time link (offer), the shopper opens it signed in to the member center and confirms; the chat
 * profile is then merged into the member's with the same rules as every automatic merge
 * (customer-merge.service.ts). Only the signed-in member, never the chat, says who the member is,
 * and a contact already joined to someone cannot be re-bound this way.
 */
export class ChatBindingService {
  constructor(
    private readonly deps: Deps,
    private readonly customers: CustomerService,
    private readonly merges: CustomerMergeService,
  ) {}

  async offer(tenantId: string, chatCustomerId: string, contactName?: string): Promise<{ token: string; expiresAt: Date }> {
    const chat = await this.customers.get(tenantId, chatCustomerId);
    if (!chatOnly(chat)) throw alreadyBound();
    const token = randomBytes(18).toString('base64url');
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + BIND_LINK_MINUTES * 60_000);
    await ChatBindingModel.create({
      tenantId,
      tokenHash: hash(token),
      chatCustomerId: chat._id,
      contactName: contactName || chat.name || undefined,
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /** What the confirm page shows: whose chat this is, until when; refused like confirm when unusable. */
  async peek(tenantId: string, token: string, memberId: string): Promise<{ contactName: string | null; expiresAt: Date; bound: boolean }> {
    const member = String((await this.customers.get(tenantId, memberId))._id);
    const link = await ChatBindingModel.findOne({ tenantId, tokenHash: hash(token) }).lean();
    if (!link || (link.usedBy && String(link.usedBy) !== member) || (!link.usedAt && link.expiresAt <= this.deps.now())) throw invalidLink();
    const chat = await this.customers.get(tenantId, String(link.chatCustomerId));
    const bound = String(chat._id) === member;
    if (!bound && !chatOnly(chat)) throw alreadyBound();
    return { contactName: link.contactName ?? null, expiresAt: link.expiresAt, bound };
  }

  /**
   * The signed-in member confirms: the link is claimed once (a conditional update), then the chat
   * profile is merged with theirs. Confirming again (a retry, a double tap) answers the same.
   */
  async confirm(tenantId: string, token: string, memberId: string): Promise<{ id: string }> {
    const member = String((await this.customers.get(tenantId, memberId))._id);
    const now = this.deps.now();
    const tokenHash = hash(token);
    const link =
      (await ChatBindingModel.findOneAndUpdate(
        { tenantId, tokenHash, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now, usedBy: new Types.ObjectId(member) } },
        { returnDocument: 'after' },
      ).lean()) ?? (await ChatBindingModel.findOne({ tenantId, tokenHash, usedBy: new Types.ObjectId(member) }).lean());
    if (!link) throw invalidLink();
    const chat = await this.customers.get(tenantId, String(link.chatCustomerId));
    if (String(chat._id) === member) return { id: member };
    if (!chatOnly(chat)) throw alreadyBound();
    const id = await this.merges.merge(tenantId, member, String(chat._id), 'chat contact bound by the shopper in the member center');
    this.deps.log.info({ tenantId, member, chat: String(chat._id), survivor: id }, 'chat contact bound to member');
    return { id };
  }
}
