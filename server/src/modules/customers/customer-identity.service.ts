import { Types } from 'mongoose';
import type { DomainHooks } from '../../shared/hooks.js';
import { AppError, CommonErrorCode } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CustomerModel, IdentityModel, type CustomerAttributes } from './customer.model.js';
import { identityKeys, keyId, type IdentityInput, type IdentityKey } from './identity.js';
import type { CustomerMergeService } from './customer-merge.service.js';

/**
 * Identity resolution: which one profile a set of identities (external_userid, unionid, openid,
 * phone, ...) names. Creates the profile when none does, and merges when the identities prove two
 * profiles are one person.
 */
export class CustomerIdentityService {
  constructor(
    private readonly hooks: DomainHooks,
    private readonly merges: CustomerMergeService,
  ) {}

  /**
   * Finds the one profile these identities belong to, creating it when none does and merging when
   * they prove two profiles are one person. Identity rows are claimed with an upsert on a unique
   * index, so concurrent callers converge on one profile.
   */
  async identify(tenantId: string, input: IdentityInput, attrs: CustomerAttributes = {}, source = 'api'): Promise<string> {
    const keys = identityKeys(input);
    if (!keys.length) throw new AppError(CommonErrorCode.VALIDATION, 'give at least one identity', { status: 400 });
    const found = await IdentityModel.find({ tenantId, $or: keys.map((k) => ({ type: k.type, key: k.key })) }).lean();
    const owners = [...new Set(found.map((f) => String(f.customerId)))];
    let customerId: string;
    if (owners.length === 0) {
      const made = await this.create(tenantId, keys, attrs, source);
      // Made with these identities and attributes, and not merged away meanwhile: nothing to add.
      if (made.whole) return made.id;
      customerId = made.id;
    } else {
      customerId = owners[0];
      for (const other of owners.slice(1))
        customerId = await this.merges.merge(tenantId, customerId, other, `identities ${keys.map((k) => k.type).join('+')} link both`);
    }
    const known = new Set(found.map((f) => keyId(f)));
    for (const k of keys.filter((k) => !known.has(keyId(k)))) customerId = await this.claim(tenantId, k, customerId);
    await this.fillMissing(tenantId, customerId, attrs);
    return customerId;
  }

  /** Batch form of identify for ingest: one lookup for the whole batch, identify() only where needed. */
  async identifyMany(tenantId: string, inputs: Array<IdentityInput & { name?: string }>, source: string): Promise<string[]> {
    const keysPer = inputs.map(identityKeys);
    const all = keysPer.flat();
    const found = all.length ? await IdentityModel.find({ tenantId, key: { $in: [...new Set(all.map((k) => k.key))] } }).lean() : [];
    const owner = new Map(found.map((f) => [keyId(f), String(f.customerId)]));
    const result: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const owners = new Set(keysPer[i].map((k) => owner.get(keyId(k))));
      const [only] = owners;
      if (owners.size === 1 && only) {
        result.push(only);
        continue;
      }
      const { name, ...identity } = inputs[i];
      const id = await this.identify(tenantId, identity, { name }, source);
      for (const k of keysPer[i]) owner.set(keyId(k), id);
      result.push(id);
    }
    return result;
  }

  async findByIdentity(tenantId: string, input: IdentityInput): Promise<string | null> {
    const keys = identityKeys(input);
    const row = await IdentityModel.findOne({ tenantId, $or: keys.map((k) => ({ type: k.type, key: k.key })) }).lean();
    return row ? String(row.customerId) : null;
  }

  /** A new profile with these identities; `whole` unless a racing caller's profile took it over. */
  private async create(tenantId: string, keys: IdentityKey[], attrs: CustomerAttributes, source: string): Promise<{ id: string; whole: boolean }> {
    const _id = new Types.ObjectId();
    const phone = keys.find((k) => k.type === 'phone')?.value;
    await CustomerModel.create({
      _id,
      tenantId,
      ...attrs,
      phone,
      sourceChannel: attrs.sourceChannel ?? source,
      identities: keys.map(({ type, value, appId }) => ({ type, value, appId })),
    });
    let id = String(_id);
    // The new profile already lists its identities: a claim that finds no other owner adds nothing.
    for (const k of keys) id = await this.claim(tenantId, k, id, id === String(_id));
    if (id !== String(_id)) return { id, whole: false };
    await this.hooks.emit('customer.created', { tenantId, customerId: id, source });
    return { id, whole: true };
  }

  /**
   * Attaches an identity to a profile; if someone else got there first, the two profiles are merged.
   * `listed`: the profile already lists the identity (it was created with it).
   */
  private async claim(tenantId: string, k: IdentityKey, customerId: string, listed = false): Promise<string> {
    let row;
    try {
      row = await IdentityModel.findOneAndUpdate(
        { tenantId, type: k.type, key: k.key },
        { $setOnInsert: { customerId: new Types.ObjectId(customerId) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    } catch (err) {
      // Two upserts raced on the unique index; the loser reads the winner's row.
      if (!isDuplicateKeyError(err)) throw err;
      row = await IdentityModel.findOne({ tenantId, type: k.type, key: k.key }).lean();
    }
    const owner = String(row!.customerId);
    if (owner !== customerId) return this.merges.merge(tenantId, owner, customerId, `${k.type} already belonged to another profile`);
    if (listed) return customerId;
    const $set: Record<string, unknown> = {};
    if (k.type === 'phone') $set.phone = k.value;
    await CustomerModel.updateOne(
      { tenantId, _id: customerId },
      { $addToSet: { identities: { type: k.type, value: k.value, ...(k.appId ? { appId: k.appId } : {}) } }, ...(Object.keys($set).length ? { $set } : {}) },
    );
    return customerId;
  }

  private async fillMissing(tenantId: string, customerId: string, attrs: CustomerAttributes): Promise<void> {
    const entries = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== '');
    if (!entries.length) return;
    const current = await CustomerModel.findOne({ tenantId, _id: customerId }).lean();
    if (!current) return;
    const stored: Record<string, unknown> = current;
    const $set = Object.fromEntries(entries.filter(([k]) => !stored[k] || stored[k] === 'unknown'));
    if (Object.keys($set).length) await CustomerModel.updateOne({ tenantId, _id: customerId }, { $set });
  }
}
