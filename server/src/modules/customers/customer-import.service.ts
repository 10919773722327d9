import { Types } from 'mongoose';
import { hasWriteErrors, isDuplicateKeyError, type WriteError } from '../../shared/db.js';
import { CustomerModel, IdentityModel, type CustomerAttributes } from './customer.model.js';
import { identityKeys, keyId, type IdentityInput } from './identity.js';
import type { CustomerMergeService } from './customer-merge.service.js';
import type { CustomerIdentityService } from './customer-identity.service.js';

/**
 * Bulk import (CSV, demo data, migrations): one lookup for the batch, new profiles inserted in bulk,
 * existing ones updated with the given attributes. Rows whose identities collide with a concurrent
 * writer fall back to identify(), so the result is the same as importing row by row.
 */
export class CustomerImportService {
  constructor(
    private readonly identities: CustomerIdentityService,
    private readonly merges: CustomerMergeService,
  ) {}

  async importMany(tenantId: string, rows: Array<{ identity: IdentityInput; attrs: CustomerAttributes; tags?: string[] }>, source = 'import') {
    const keysPer = rows.map((r) => identityKeys(r.identity));
    const all = keysPer.flat();
    const found = all.length ? await IdentityModel.find({ tenantId, key: { $in: [...new Set(all.map((k) => k.key))] } }).lean() : [];
    const owner = new Map(found.map((f) => [keyId(f), String(f.customerId)]));
    const ids: string[] = new Array(rows.length);
    const fresh: Array<{ i: number; _id: Types.ObjectId }> = [];
    const updates: Array<{ i: number; id: string }> = [];
    const claimedHere = new Map<string, string>();
    rows.forEach((row, i) => {
      const owners = new Set(keysPer[i].map((k) => owner.get(keyId(k)) ?? claimedHere.get(keyId(k))).filter(Boolean) as string[]);
      if (owners.size === 1) updates.push({ i, id: [...owners][0] });
      else if (owners.size === 0) {
        const _id = new Types.ObjectId();
        fresh.push({ i, _id });
        for (const k of keysPer[i]) claimedHere.set(keyId(k), String(_id));
      } else updates.push({ i, id: '' });
    });
    if (fresh.length) {
      await CustomerModel.insertMany(
        fresh.map(({ i, _id }) => ({
          _id,
          tenantId,
          ...rows[i].attrs,
          sourceChannel: rows[i].attrs.sourceChannel ?? source,
          phone: keysPer[i].find((k) => k.type === 'phone')?.value,
          tags: rows[i].tags ?? [],
          identities: keysPer[i].map(({ type, value, appId }) => ({ type, value, appId })),
        })),
        // Hydrated, not lean: defaults (status, aggregates) and timestamps must be set as on create().
        { ordered: false },
      );
      const identityRows = fresh.flatMap(({ i, _id }) => keysPer[i].map((k) => ({ tenantId, type: k.type, key: k.key, customerId: _id })));
      const collided = new Set<number>();
      try {
        await IdentityModel.insertMany(identityRows, { ordered: false, lean: true });
      } catch (err) {
        if (!isDuplicateKeyError(err) && !hasWriteErrors(err)) throw err;
        for (const we of [(err as { writeErrors?: WriteError | WriteError[] }).writeErrors ?? []].flat()) collided.add(we.index);
      }
      let n = 0;
      for (const { i, _id } of fresh) {
        const mine = keysPer[i].map(() => n++);
        if (mine.some((x) => collided.has(x))) {
          ids[i] = await this.identities.identify(tenantId, rows[i].identity, rows[i].attrs, source);
          if (ids[i] !== String(_id)) await this.merges.merge(tenantId, ids[i], String(_id), 'import collided with a concurrent writer');
        } else ids[i] = String(_id);
      }
    }
    for (const { i, id } of updates) {
      ids[i] = id || (await this.identities.identify(tenantId, rows[i].identity, rows[i].attrs, source));
      const $set = Object.fromEntries(Object.entries(rows[i].attrs).filter(([, v]) => v !== undefined && v !== ''));
      const update: Record<string, unknown> = {};
      if (Object.keys($set).length) update.$set = $set;
      if (rows[i].tags?.length) update.$addToSet = { tags: { $each: rows[i].tags } };
      if (Object.keys(update).length) await CustomerModel.updateOne({ tenantId, _id: ids[i] }, update);
    }
    return { ids, created: fresh.length, updated: updates.length };
  }
}
