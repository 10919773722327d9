import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../../shared/deps.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import { ApiKeyModel } from './staff.model.js';

/** How often a key's last-used time is written at most: ingest stays one read per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart; the key itself is shown only when made. */
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  /** When the key stopped (or, after a rotation with a grace period, stops) working; null while active. */
  revokedAt: string | null;
  active: boolean;
  /** The key this one replaced by rotation. */
  replaces: string | null;
}

/**
 * Integration keys (X-Api-Key, for shop platforms): made, listed, revoked and rotated by admins. Only
 * a sha256 of the key is stored; the plain key is in the answer that makes it and nowhere after. A
 * revoked key is refused on its next request: every request reads the key's row (one indexed read),
 * nothing is cached.
 */
export class ApiKeyService {
  constructor(private readonly deps: Deps) {}

  async create(
    tenantId: string,
    name: string,
    opts: { presetKey?: string; createdBy?: string; replaces?: string } = {},
  ): Promise<ApiKeyView & { key: string }> {
    const key = opts.presetKey ?? `sk_${randomBytes(24).toString('base64url')}`;
    const doc = await ApiKeyModel.create({
      tenantId,
      name,
      keyHash: sha256(key),
      prefix: key.slice(0, 7),
      createdBy: opts.createdBy,
      replaces: opts.replaces,
      createdAt: this.deps.now(),
    });
    return { ...this.view(doc.toObject()), key };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    return (await ApiKeyModel.find({ tenantId }).sort({ createdAt: -1 }).lean()).map((d) => this.view(d));
  }

  /** Stops the key at once (a key already stopped keeps the earlier time). */
  async revoke(tenantId: string, id: string, by?: string): Promise<ApiKeyView> {
    const now = this.deps.now();
    await ApiKeyModel.updateOne(
      { tenantId, _id: id, $or: [{ revokedAt: { $exists: false } }, { revokedAt: { $gt: now } }] },
      { $set: { revokedAt: now, revokedBy: by } },
    );
    const doc = await ApiKeyModel.findOne({ tenantId, _id: id }).lean();
    if (!doc) throw notFound('Integration key');
    return this.view(doc);
  }

  /**
   * A new key with the same name; the old one keeps working for `graceMinutes` (0: stops now), so a
   * shop can switch over without a gap.
   */
  async rotate(tenantId: string, id: string, graceMinutes: number, by?: string): Promise<{ key: ApiKeyView & { key: string }; old: ApiKeyView }> {
    const old = await ApiKeyModel.findOne({ tenantId, _id: id }).lean();
    const now = this.deps.now();
    if (!old || (old.revokedAt && old.revokedAt <= now)) throw notFound('Active integration key');
    const until = new Date(now.getTime() + graceMinutes * 60_000);
    const key = await this.create(tenantId, old.name, { createdBy: by, replaces: String(old._id) });
    await ApiKeyModel.updateOne(
      { _id: old._id, $or: [{ revokedAt: { $exists: false } }, { revokedAt: { $gt: until } }] },
      { $set: { revokedAt: until, revokedBy: by } },
    );
    return { key, old: this.view((await ApiKeyModel.findById(old._id).lean())!) };
  }

  /** The integration a key speaks for, or null for an unknown or revoked key. Notes the use, at most once a minute. */
  async resolve(key: string): Promise<Principal | null> {
    const doc = await ApiKeyModel.findOne({ keyHash: sha256(key) }, { tenantId: 1, revokedAt: 1, lastUsedAt: 1 }).lean();
    const now = this.deps.now();
    if (!doc || (doc.revokedAt && doc.revokedAt <= now)) return null;
    if (!doc.lastUsedAt || now.getTime() - doc.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
      // Conditional, so many servers seeing the same key in the same minute write it once; not awaited.
      ApiKeyModel.updateOne({ _id: doc._id, $or: [{ lastUsedAt: { $exists: false } }, { lastUsedAt: { $lte: stale } }] }, { $set: { lastUsedAt: now } }).catch(
        (err: Error) => this.deps.log.warn({ err: err.message }, 'could not note an integration key’s last use'),
      );
    }
    return { kind: 'integration', id: String(doc._id), tenantId: doc.tenantId };
  }

  private view(d: {
    _id: unknown;
    name: string;
    prefix?: string | null;
    createdAt?: Date;
    createdBy?: string | null;
    lastUsedAt?: Date | null;
    revokedAt?: Date | null;
    replaces?: string | null;
  }): ApiKeyView {
    const iso = (x?: Date | null) => (x ? x.toISOString() : null);
    return {
      id: String(d._id),
      name: d.name,
      prefix: d.prefix ?? 'sk_',
      createdAt: iso(d.createdAt)!,
      createdBy: d.createdBy ?? null,
      lastUsedAt: iso(d.lastUsedAt),
      revokedAt: iso(d.revokedAt),
      active: !d.revokedAt || d.revokedAt > this.deps.now(),
      replaces: d.replaces ?? null,
    };
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
