import type { Deps } from '../shared/deps.js';
import { AppError, notFound } from '../shared/app-error.js';
import type { Principal } from '../shared/http/principal.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import { canSeeCustomer } from '../modules/customers/customer-access.js';
import type { WecomClient } from './wecom.client.js';
import type { ExternalContactService } from './external-contact.service.js';
import type { TagSyncService } from './tag-sync.service.js';
import { Errcode, WecomErrorCode, isWecomErrcode } from './wecom.exception.js';

/**
 * What the sidebar is looking at when WeCom opens it from a chat's toolbar: the chat's external contact
 * (single chat; a group chat's customer group is the customer-groups module's SidebarGroupService).
 * WeCom tells the page only an id; this turns it into our profile, asking WeCom once when the contact
 * has not reached us yet (a callback still queued, or a relation older than the last full sync).
 */
export class SidebarContextService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService; contacts: ExternalContactService; tagSync: TagSyncService },
  ) {}

  /** The profile id of a chat's external contact, created from WeCom if we have none yet. */
  async contact(tenantId: string, principal: Principal, externalUserId: string): Promise<{ customerId: string }> {
    let customerId = await this.s.customers.findByIdentity(tenantId, { externalUserId });
    if (!customerId) {
      let r;
      try {
        r = await this.client.getExternalContact(externalUserId);
      } catch (err) {
        if (isWecomErrcode(err, Errcode.INVALID_EXTERNAL_USERID, Errcode.NOT_EXTERNAL_CONTACT)) throw notFound('WeCom contact');
        throw err;
      }
      const me = principal.kind === 'staff' ? await this.s.staff.get(tenantId, principal.id) : null;
      const follow = r.follow_user.find((f) => f.userid === me?.wecomUserId) ?? r.follow_user[0];
      if (!follow) throw notFound('WeCom contact');
      customerId = await this.s.contacts.upsertContact(tenantId, r.external_contact, follow);
      await this.s.tagSync.applyContactTags(
        tenantId,
        customerId,
        r.follow_user.flatMap((f) => f.tags ?? []),
      );
    }
    const doc = await this.s.customers.get(tenantId, customerId);
    // A sales member sees only their own book; a chat with someone else's customer stays closed to them.
    // They are chatting with this person in WeCom already, so saying why reveals nothing new.
    if (!canSeeCustomer(principal, doc)) {
      throw new AppError(
        WecomErrorCode.CUSTOMER_NOT_YOURS,
        'This customer is in another staff member’s book: ask their owner or an admin to hand them over or add you as a follower',
        { status: 404 },
      );
    }
    return { customerId: String(doc._id) };
  }
}
