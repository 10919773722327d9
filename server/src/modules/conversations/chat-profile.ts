import type { CustomerService } from '../customers/customer.service.js';
import type { ChatContact } from './conversation.service.js';

/**
 * What one chat turn needs to know about the customer behind it: who they are (for the stored
 * message), their name (for `{name}` in answers) and their staff (for the desk's live events).
 * Read once when the message is captured and handed along, so a turn reads the profile once rather
 * than once per step. The turn's copy is never kept; ChatProfiles keeps the profile read for a short
 * while, and a merge or an erasure in between drops it at once.
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
 * The profile itself is kept for `PROFILE_CACHE_MS` (a busy chat costs no read per message); a merge
 * or an erasure drops it in every process at once (`forget`), so neither is ever written to.
 */
export class ChatProfiles {
  private readonly ids = new Map<string, string>();
  /** Profiles read lately, by the id asked for, and when (monotonic clock). */
  private readonly docs = new Map<string, { doc: ProfileDoc; at: number }>();

  constructor(
    private readonly customers: CustomerService,
    private readonly ttlMs = PROFILE_CACHE_MS,
  ) {}

  /**
   * A profile changed in a way a chat must see at once (merged, erased): the next turn reads it again.
   * Called in every process (the change is published to all of them, see ConversationService).
   */
  forget(tenantId: string, customerId: string): void {
    this.docs.delete(`${tenantId}\u0000${customerId}`);
    for (const [key, entry] of this.docs) if (String(entry.doc._id) === customerId && key.startsWith(`${tenantId}\u0000`)) this.docs.delete(key);
  }

  private async read(tenantId: string, id: string): Promise<ProfileDoc | null> {
    const key = `${tenantId}\u0000${id}`;
    const hit = this.docs.get(key);
    const now = performance.now();
    if (hit && now - hit.at < this.ttlMs) return hit.doc;
    const doc = await this.customers.get(tenantId, id).catch(() => null);
    if (doc) {
      this.docs.delete(key);
      this.docs.set(key, { doc, at: now });
      if (this.docs.size > MAX_REMEMBERED) this.docs.delete(this.docs.keys().next().value!);
    } else this.docs.delete(key);
    return doc;
  }

  async of(tenantId: string, contact: ChatContact): Promise<ChatProfile> {
    const idType = contact.idType ?? 'wechatyContactId';
    const key = `${tenantId}\u0000${idType}\u0000${contact.id}`;
    const hint = this.ids.get(key) ?? (await this.customers.findByIdentity(tenantId, { [idType]: contact.id }));
    const found = hint ? await this.read(tenantId, hint) : null;
    let profile = found && found.status === 'active' && !lacks(found, contact) ? found : null;
    if (!profile) {
      // A unionid the puppet gives joins the chat to the member with it (identify merges the two).
      const id = await this.customers.identify(
        tenantId,
        contactIdentity(contact),
        { name: contact.name || undefined, avatar: contact.avatar || undefined },
        contact.idType === 'externalUserId' ? 'wechat_kf' : 'bot',
      );
      this.forget(tenantId, id);
      profile = await this.read(tenantId, id);
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
/**
 * How long a profile read serves the chat turns after it (name for `{name}`, owner and followers for
 * live events). Edits through the customer service, merges and erasures drop it at once in every
 * process; a write elsewhere (an import) shows within this.
 */
export const PROFILE_CACHE_MS = 2000;

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
  (!!c.name && missing(doc.name)) ||
  (!!c.avatar && missing(doc.avatar)) ||
  (!!c.unionId && !(doc.identities ?? []).some((i: { type?: string | null; value?: string | null }) => i.type === 'unionId' && i.value === c.unionId));
