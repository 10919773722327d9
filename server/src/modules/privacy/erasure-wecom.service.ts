import mongoose, { type Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { ErasureModel } from './privacy.model.js';

/** The two WeCom calls an erasure needs (the WeCom adapter's client satisfies it). */
export interface WecomErasurePort {
  enabled: boolean;
  client: {
    markTag(input: { userid: string; external_userid: string; remove_tag: string[] }): Promise<unknown>;
    remark(input: { userid: string; external_userid: string; remark: string; description: string; remark_mobiles: string[] }): Promise<unknown>;
  };
}

/** One staff member's relation with the person in WeCom, and what of ours is still on it. */
export interface WecomErasureTask {
  userid: string;
  externalUserId: string;
  removeTags: string[];
  attempts: number;
  error?: string;
}

/** WeCom errcodes meaning "nothing of ours is there any more": relation gone (84061), tag gone (40068). */
const GONE = new Set([84061, 40068]);
const MAX_ATTEMPTS = 20;

/**
 * Erasure also reaches into WeCom (PIPL art. 47): our corp tags come off the person's external contact
 * (externalcontact/mark_tag with remove_tag) and the remark, description and remark mobiles each staff
 * member wrote on it are cleared (externalcontact/remark), through the WeCom client. What WeCom did not
 * take (unreachable, rate-limited) is kept on the erasure record — the only place the person's
 * external_userid survives, and only until it is done — retried by the `privacy.erasure-wecom` job and
 * shown to admins (`GET /api/v1/privacy/erasures`).
 */
export class WecomErasure {
  constructor(
    private readonly deps: Deps,
    private readonly wecom?: WecomErasurePort,
  ) {}

  /** Whether this server talks to WeCom at all (without it there is no WeCom copy to erase). */
  get connected(): boolean {
    return !!this.wecom?.enabled;
  }

  /** The WeCom work for these profiles, read before the local rows that hold it are deleted. */
  async plan(tenantId: string, ids: Types.ObjectId[]): Promise<WecomErasureTask[]> {
    if (!this.connected) return [];
    const db = mongoose.connection;
    const follows = await db
      .collection('wecom_follows')
      .find({ tenantId, customerId: { $in: ids }, status: 'active' })
      .project({ userid: 1, externalUserId: 1 })
      .toArray();
    if (!follows.length) return [];
    const profiles = await db
      .collection('customers')
      .find({ tenantId, _id: { $in: ids } })
      .project({ tags: 1 })
      .toArray();
    const tagIds = [...new Set(profiles.flatMap((p) => (p.tags ?? []) as unknown[]).map(String))].filter((t) => mongoose.isValidObjectId(t));
    const corpTags = tagIds.length
      ? await db
          .collection('tags')
          .find({ tenantId, _id: { $in: tagIds.map((t) => new mongoose.Types.ObjectId(t)) }, wecomTagId: { $type: 'string' } })
          .project({ wecomTagId: 1 })
          .toArray()
      : [];
    const removeTags = corpTags.map((t) => String(t.wecomTagId));
    return follows.map((f) => ({ userid: String(f.userid), externalUserId: String(f.externalUserId), removeTags, attempts: 0 }));
  }

  /** Runs the tasks; answers those WeCom did not take, with why. */
  async run(tasks: WecomErasureTask[]): Promise<{ done: number; left: WecomErasureTask[] }> {
    if (!tasks.length) return { done: 0, left: [] };
    const left: WecomErasureTask[] = [];
    let done = 0;
    for (const t of tasks) {
      try {
        await this.call(() =>
          t.removeTags.length
            ? this.wecom!.client.markTag({ userid: t.userid, external_userid: t.externalUserId, remove_tag: t.removeTags })
            : Promise.resolve(),
        );
        // remark_mobiles [""] clears the numbers (WeCom's own rule); emptying remark and description clears the rest.
        await this.call(() =>
          this.wecom!.client.remark({ userid: t.userid, external_userid: t.externalUserId, remark: '', description: '', remark_mobiles: [''] }),
        );
        done++;
      } catch (err) {
        left.push({ ...t, attempts: t.attempts + 1, error: (err as Error).message.slice(0, 200) });
      }
    }
    return { done, left };
  }

  private async call(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (GONE.has((err as { errcode?: number }).errcode ?? -1)) return;
      throw err;
    }
  }

  /** The job: erasures whose WeCom part is unfinished are tried again, a few at a time. */
  async retryPending(): Promise<{ erasures: number; done: number; left: number }> {
    const rows = await ErasureModel.find({ wecomPending: { $gt: 0 } })
      .limit(50)
      .lean();
    const out = { erasures: rows.length, done: 0, left: 0 };
    for (const row of rows) {
      const pending = ((row.wecom as { pending?: WecomErasureTask[] } | undefined)?.pending ?? []).filter((t) => t.attempts < MAX_ATTEMPTS);
      if (!pending.length) continue;
      const r = await this.run(pending);
      out.done += r.done;
      out.left += r.left.length;
      const w = (row.wecom ?? {}) as { done?: number };
      await ErasureModel.updateOne(
        { _id: row._id },
        { $set: { wecom: { ...w, done: (w.done ?? 0) + r.done, pending: r.left, lastTriedAt: this.deps.now() }, wecomPending: r.left.length } },
      );
    }
    return out;
  }
}

/** What an admin sees of the WeCom part: counts and errors, never the person's external_userid. */
export function wecomErasureView(w: unknown) {
  const x = (w ?? {}) as { done?: number; pending?: WecomErasureTask[]; lastTriedAt?: Date; connected?: boolean };
  const pending = x.pending ?? [];
  return {
    connected: x.connected ?? false,
    done: x.done ?? 0,
    pending: pending.length,
    errors: [...new Set(pending.map((t) => t.error).filter(Boolean))],
    lastTriedAt: x.lastTriedAt ?? null,
  };
}
