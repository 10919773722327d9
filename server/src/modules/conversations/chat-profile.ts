import type { CustomerService } from '../customers/customer.service.js';
import type { ChatContact } from './conversation.service.js';

/**
 * What one chat turn needs to know about the customer behind it: who they are (for the stored
 * message), their name (for `{name}` in answers) and their staff (for the desk's live events).
 * Read once when the message is captured and handed along, so a turn reads the profile once rather
 * than once per step. It lives for one turn only: the next message reads it again, so a merge or an
 * erasure in between is seen at once.
 */
export interface ChatProfile {
  id: string;
  name?: string;
  ownerStaffId?: string;
  followerStaffIds: string[];
}

/**
 * The profile behind a chat contact, created with source `bot` the first time it speaks. Remembers
 * which profile id a contact had, so a known contact costs one read (the profile by id). That id is
 * only a hint: every turn reads the profile itself, get() follows a merged id to the survivor and an
 * erased (or otherwise not active) one sends the contact back through identify(), as does a chat
 * showing a name, avatar or unionid the profile still lacks; so the result is what identify() would give.
 */
export class ChatProfiles {
  private readonly ids = new Map<string, string>();

  constructor(private readonly customers: CustomerService) {}

  async of(tenantId: string, contact: ChatContact): Promise<ChatProfile> {
    const idType = contact.idType ?? 'wechatyContactId';
    const key = `${tenantId}\u0000${idType}\u0000${contact.id}`;
    const hint = this.ids.get(key) ?? (await this.customers.findByIdentity(tenantId, { [idType]: contact.id }));
    const found = hint ? await this.customers.get(tenantId, hint).catch(() => null) : null;
    let profile = found && found.status === 'active' && !lacks(found, contact) ? found : null;
    if (!profile) {
      // A unionid the puppet gives joins the chat to the member with it (identify merges the two).
      const id = await this.customers.identify(tenantId, contactIdentity(contact), { name: contact.name || undefined, avatar: contact.avatar || undefined }, contact.idType === 'externalUserId' ? 'wechat_kf' : 'bot');
      profile = await this.customers.get(tenantId, id).catch(() => null);
      if (!profile) {
        this.ids.delete(key);
        return { id, followerStaffIds: [] };
      }
    }
    this.remember(key, String(profile._id));
    return chatProfile(profile);
  }

  private remember(key: string, id: string): void {
    this.ids.delete(key);
    this.ids.set(key, id);
    // Oldest first in insertion order: a bot talking to very many contacts forgets the quiet ones.
    if (this.ids.size > MAX_REMEMBERED) this.ids.delete(this.ids.keys().next().value!);
  }
}

const MAX_REMEMBERED = 20_000;

/** The identity a chat contact's id stands for. */
export const contactIdentity = (c: ChatContact) => ({ [c.idType ?? 'wechatyContactId']: c.id, ...(c.unionId ? { unionId: c.unionId } : {}) });

/** The staff who follow this customer's chats live (owner and followers). */
export function profileStaff(p: ChatProfile): string[] {
  return [p.ownerStaffId, ...p.followerStaffIds].filter((x): x is string => !!x);
}

type ProfileDoc = Awaited<ReturnType<CustomerService['get']>>;

function chatProfile(doc: ProfileDoc): ChatProfile {
  return { id: String(doc._id), name: doc.name ?? undefined, ownerStaffId: doc.ownerStaffId ?? undefined, followerStaffIds: doc.followerStaffIds ?? [] };
}

// Mirrors identify()'s fill rule: a value the profile has no (or an 'unknown') value for is filled in.
const missing = (v: unknown) => !v || v === 'unknown';
const lacks = (doc: ProfileDoc, c: ChatContact) =>
  (!!c.name && missing(doc.name)) || (!!c.avatar && missing(doc.avatar)) || (!!c.unionId && !(doc.identities ?? []).some((i: { type?: string | null; value?: string | null }) => i.type === 'unionId' && i.value === c.unionId));
