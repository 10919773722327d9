import type { Principal } from '../../shared/http/principal.js';

/** 13812345678 → 138****5678 */
export function maskPhone(phone?: string | null): string | undefined {
  if (!phone) return undefined;
  if (phone.length < 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** 张三丰 → 张*丰, 李四 → 李*, Alice → A*** */
export function maskName(name?: string | null): string | undefined {
  if (!name) return undefined;
  const chars = [...name];
  if (chars.length === 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  if (/^[\u4e00-\u9fa5]+$/.test(name)) return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
  return `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

/**
 * What each role sees of a customer's personal data. Admins see all; the owning sales member sees the
 * phone of their own customers; agents and other sales see names (they talk to the person) but masked
 * phones; community managers work with audiences, so they see neither.
 */
export function personalDataPolicy(principal: Principal, ownerStaffId?: string | null): { phone: boolean; name: boolean } {
  if (principal.kind === 'shopper') return { phone: true, name: true };
  if (principal.kind === 'integration') return { phone: false, name: false };
  switch (principal.role) {
    case 'admin':
      return { phone: true, name: true };
    case 'sales':
      return { phone: !!ownerStaffId && ownerStaffId === principal.id, name: true };
    case 'agent':
      return { phone: false, name: true };
    default:
      return { phone: false, name: false };
  }
}

// A mainland mobile number as people type it: 13812345678, 138 1234 5678, 138-1234-5678, +86 138…
const MOBILE = /(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])/g;

/**
 * Free text staff wrote about a customer (notes, the WeCom remark, task titles) carries the same personal
 * data as the profile fields — a sales member's note "回电 13812345678", a churn task "流失预警：陈晓雨 …".
 * A role that may not see the phone gets every mobile number in it masked; one that may not see the name
 * gets the customer's name masked wherever it appears. Other names in the text are not recognised.
 */
export function maskFreeText(text: string, policy: { phone: boolean; name: boolean }, customer: { name?: string | null; phone?: string | null }): string {
  let out = text;
  if (!policy.phone) {
    out = out.replace(MOBILE, (m) => maskPhone(m.replace(/\D/g, '').slice(-11))!);
    if (customer.phone && customer.phone.length >= 7) out = out.split(customer.phone).join(maskPhone(customer.phone)!);
  }
  if (!policy.name && customer.name && [...customer.name].length >= 2) out = out.split(customer.name).join(maskName(customer.name)!);
  return out;
}

export function maskCustomer<
  T extends {
    name?: string | null;
    phone?: string | null;
    remark?: string | null;
    ownerStaffId?: string | null;
    identities?: Array<{ type?: string | null; value?: string | null }>;
  },
>(customer: T, principal: Principal): T {
  const policy = personalDataPolicy(principal, customer.ownerStaffId);
  return {
    ...customer,
    name: policy.name ? customer.name : maskName(customer.name),
    phone: policy.phone ? customer.phone : maskPhone(customer.phone),
    remark: customer.remark ? maskFreeText(customer.remark, policy, customer) : customer.remark,
    identities: customer.identities?.map((i) => (i.type === 'phone' && !policy.phone ? { ...i, value: maskPhone(i.value) } : i)),
  };
}

/**
 * One role's view of one person, for routes that return bits of a person other than a profile (a
 * chat's title, a group member, a message): the same policy as maskCustomer, field by field.
 */
export function personMask(principal: Principal, person: { name?: string | null; phone?: string | null; ownerStaffId?: string | null } = {}) {
  const policy = personalDataPolicy(principal, person.ownerStaffId);
  const whole = policy.name && policy.phone;
  return {
    policy,
    whole,
    name: (name?: string | null) => (policy.name || !name ? name : maskName(name)),
    phone: (phone?: string | null) => (policy.phone || !phone ? phone : maskPhone(phone)),
    text: (text?: string | null) => (whole || !text ? text : maskFreeText(text, policy, person)),
  };
}
