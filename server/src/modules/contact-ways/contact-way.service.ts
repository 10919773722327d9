import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { AppError, CommonErrorCode, notFound } from '../../shared/app-error.js';
import type { StaffService } from '../staff/staff.service.js';
import type { TagService } from '../tags/tag.service.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { ContactWayModel } from './contact-way.model.js';
import type { LeanDoc } from '../../shared/db.js';
import type { WecomFollowsService } from '../../wecom/follows.service.js';

export interface ContactWayInput {
  name: string;
  staffIds: string[];
  backupStaffIds?: string[];
  tagIds?: string[];
  welcome?: { text?: string; link?: { title: string; url: string; desc?: string; picurl?: string } };
  dailyCap?: number;
  skipVerify?: boolean;
}

/** "Today" for a brand selling in China: the day in China Standard Time (UTC+8). */
export function cstDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
const cstDayStart = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000);

/**
 * Channel QR codes (活码). Each code is a WeCom contact way with a `state` of our making (≤ 30 chars);
 * the add callback carries it back so we know which code was scanned. A daily add cap hands the code
 * to the backup staff for the rest of the day. WeCom reports adds, not scans without an add, so the
 * statistics count adds (and the contacts later lost) per code and day.
 */
export class ContactWayService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly staff: StaffService,
    private readonly tags: TagService,
    private readonly follows: WecomFollowsService,
  ) {}

  private async userids(tenantId: string, staffIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of staffIds) {
      const s = Types.ObjectId.isValid(id) ? await this.staff.get(tenantId, id).catch(() => null) : null;
      if (!s?.wecomUserId)
        throw new AppError(CommonErrorCode.VALIDATION, `Staff ${id} has no WeCom userid; set wecomUserId on the staff account first`, { status: 400 });
      out.push(s.wecomUserId);
    }
    return out;
  }

  async create(tenantId: string, input: ContactWayInput, actorId?: string) {
    const users = await this.userids(tenantId, input.staffIds);
    await this.userids(tenantId, input.backupStaffIds ?? []);
    await this.tags.assertExist(tenantId, input.tagIds ?? []);
    const state = `cw${randomBytes(9).toString('base64url')}`;
    const doc = await ContactWayModel.create({ tenantId, ...input, state, createdBy: actorId });
    try {
      const r = await this.client.addContactWay({
        type: users.length > 1 ? 2 : 1,
        scene: 2,
        state,
        user: users,
        skip_verify: input.skipVerify ?? true,
        remark: input.name.slice(0, 30),
      });
      await ContactWayModel.updateOne({ _id: doc._id }, { $set: { configId: r.config_id, qrCode: r.qr_code } });
    } catch (err) {
      // No half-made code: without WeCom's config_id the row would never be scanned.
      await ContactWayModel.deleteOne({ _id: doc._id });
      throw err;
    }
    return this.get(tenantId, String(doc._id));
  }

  async update(tenantId: string, id: string, patch: Partial<ContactWayInput>) {
    const doc = await this.load(tenantId, id);
    if (patch.tagIds) await this.tags.assertExist(tenantId, patch.tagIds);
    if (patch.backupStaffIds) await this.userids(tenantId, patch.backupStaffIds);
    if (patch.staffIds || patch.skipVerify !== undefined || patch.name) {
      const users = patch.staffIds ? await this.userids(tenantId, patch.staffIds) : undefined;
      await this.client.updateContactWay({ config_id: doc.configId!, user: users, skip_verify: patch.skipVerify, remark: patch.name?.slice(0, 30) });
    }
    await ContactWayModel.updateOne({ tenantId, _id: id }, { $set: { ...patch, ...(patch.staffIds ? { serving: 'primary' } : {}) } });
    return this.get(tenantId, id);
  }

  async remove(tenantId: string, id: string) {
    const doc = await this.load(tenantId, id);
    if (doc.configId) await this.client.delContactWay(doc.configId);
    await ContactWayModel.updateOne({ tenantId, _id: id }, { $set: { deleted: true } });
    return { id, deleted: true };
  }

  private async load(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await ContactWayModel.findOne({ tenantId, _id: id, deleted: false }).lean() : null;
    if (!doc) throw notFound('Contact way');
    return doc;
  }

  async byState(tenantId: string, state: string | undefined) {
    if (!state) return null;
    return ContactWayModel.findOne({ tenantId, state }).lean();
  }

  /**
   * Every channel code's name by the source it stamps on a customer (`wecom:<state>`), deleted ones
   * too: the customers they brought are still labelled by them.
   */
  async sourceNames(tenantId: string): Promise<Array<{ source: string; name: string; deleted: boolean }>> {
    const docs = await ContactWayModel.find({ tenantId }, { state: 1, name: 1, deleted: 1 }).lean();
    return docs.map((d) => ({ source: `wecom:${d.state}`, name: d.name, deleted: !!d.deleted }));
  }

  async list(tenantId: string) {
    const docs = await ContactWayModel.find({ tenantId, deleted: false }).sort({ createdAt: -1 }).lean();
    const today = cstDayStart(cstDay(this.deps.now()));
    return Promise.all(
      docs.map(async (d) => ({
        ...view(d),
        stats: {
          adds: await this.follows.countThroughCode(tenantId, d.state),
          addsToday: await this.follows.countThroughCode(tenantId, d.state, { addedSince: today }),
          lost: await this.follows.countThroughCode(tenantId, d.state, { lost: true }),
        },
      })),
    );
  }

  /** One code with its adds per day for the last 30 days (China days). */
  async get(tenantId: string, id: string) {
    const d = await this.load(tenantId, id);
    const since = new Date(this.deps.now().getTime() - 30 * 86400_000);
    const follows = await this.follows.addsThroughCodeSince(tenantId, d.state, since);
    const daily: Record<string, { adds: number; lost: number }> = {};
    for (const f of follows) {
      const day = (daily[cstDay(f.addedAt)] ??= { adds: 0, lost: 0 });
      day.adds++;
      if (f.status === 'lost') day.lost++;
    }
    const total = await this.follows.countThroughCode(tenantId, d.state);
    const lost = await this.follows.countThroughCode(tenantId, d.state, { lost: true });
    return { ...view(d), stats: { adds: total, lost, daily } };
  }

  /** After an add through this code: past the daily cap, WeCom serves the backup staff until tomorrow. */
  async afterAdd(tenantId: string, state: string): Promise<void> {
    const way = await this.byState(tenantId, state);
    if (!way?.dailyCap || !way.backupStaffIds?.length || !way.configId || way.serving === 'backup') return;
    const day = cstDay(this.deps.now());
    const addsToday = await this.follows.countThroughCode(tenantId, state, { addedSince: cstDayStart(day) });
    if (addsToday < way.dailyCap) return;
    const claimed = await ContactWayModel.findOneAndUpdate({ _id: way._id, serving: 'primary' }, { $set: { serving: 'backup', servingDay: day } }).lean();
    if (!claimed) return;
    await this.client.updateContactWay({ config_id: way.configId, user: await this.userids(tenantId, way.backupStaffIds) });
    this.deps.log.info({ state, addsToday }, 'contact way reached its daily cap; backup staff take over');
  }

  /** The hourly job: codes handed to backups on an earlier day go back to their primary staff. */
  async restorePrimaries(): Promise<number> {
    const today = cstDay(this.deps.now());
    const ways = await ContactWayModel.find({ serving: 'backup', servingDay: { $lt: today }, deleted: false }).lean();
    for (const w of ways) {
      await this.client.updateContactWay({ config_id: w.configId!, user: await this.userids(w.tenantId, w.staffIds) });
      await ContactWayModel.updateOne({ _id: w._id }, { $set: { serving: 'primary' } });
    }
    return ways.length;
  }
}

function view(d: LeanDoc<typeof ContactWayModel>) {
  return {
    id: String(d._id),
    name: d.name,
    state: d.state,
    configId: d.configId,
    qrCode: d.qrCode,
    staffIds: d.staffIds,
    backupStaffIds: d.backupStaffIds,
    serving: d.serving,
    tagIds: d.tagIds,
    welcome: d.welcome,
    dailyCap: d.dailyCap,
    skipVerify: d.skipVerify,
    createdAt: d.createdAt,
  };
}
