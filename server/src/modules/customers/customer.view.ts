import type { Principal } from '../../shared/http/principal.js';
import type { CustomerDoc } from './customer.model.js';
import { maskCustomer } from '../privacy/masking.js';

/** The profile as the API shows it: ids as strings, derived figures computed, personal data masked by role. */
export function customerView(doc: CustomerDoc, principal: Principal) {
  const agg: Partial<NonNullable<CustomerDoc['aggregates']>> = doc.aggregates ?? {};
  const view = {
    id: String(doc._id),
    name: doc.name,
    gender: doc.gender,
    birthday: doc.birthday?.month ? doc.birthday : undefined,
    city: doc.city,
    phone: doc.phone,
    remark: doc.remark,
    avatar: doc.avatar,
    sourceChannel: doc.sourceChannel,
    ownerStaffId: doc.ownerStaffId,
    followerStaffIds: doc.followerStaffIds ?? [],
    tags: doc.tags ?? [],
    identities: (doc.identities ?? []).map((i) => ({ type: i.type, value: i.value, ...(i.appId ? { appId: i.appId } : {}) })),
    aggregates: {
      orderCount: agg.orderCount ?? 0,
      totalPaid: agg.totalPaid ?? 0,
      averageOrderValue: agg.orderCount ? Math.round((agg.totalPaid ?? 0) / agg.orderCount) : 0,
      refundCount: agg.refundCount ?? 0,
      refundedAmount: agg.refundedAmount ?? 0,
      firstOrderAt: agg.firstOrderAt,
      lastOrderAt: agg.lastOrderAt,
      lastActiveAt: agg.lastActiveAt,
    },
    wecom: doc.wecom,
    rfm: doc.rfm,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  return maskCustomer(view, principal);
}
