import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../shared/deps.js';
import type { Extensions } from '../shared/extensions.js';
import { isDuplicateKeyError, type LeanDoc } from '../shared/db.js';
import type { WecomClient } from './wecom.client.js';
import type { ExternalContactService } from './external-contact.service.js';
import type { Enqueue, TagSyncService } from './tag-sync.service.js';
import { WecomSyncRunModel } from './wecom-sync.model.js';

type SyncRun = LeanDoc<typeof WecomSyncRunModel>;

const LEASE_MS = 60_000;
const USERS_PER_CALL = 100;

/**
 * Pulls every follow user's external contacts (batch/get_by_user, cursor paging) and every customer
 * group into our profiles. The cursor is saved after each page, and a run is worked under a lease, so
 * after a crash the next worker resumes from the saved cursor (re-doing at most one page, which is
 * idempotent) instead of starting over.
 */
/** What the groups phase needs: re-read one group from WeCom and store our copy. */
export interface GroupMirror {
  refresh(tenantId: string, chatId: string): Promise<void>;
}

declare module '../shared/extensions.js' {
  interface ExtensionPoints {
    'wecom.group-mirror': GroupMirror;
  }
}

export class FullSyncService {
  pageSize = 100;

  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { contacts: ExternalContactService; tagSync: TagSyncService },
    private readonly enqueue: Enqueue,
    private readonly extensions: Extensions,
  ) {}

  /** The customer-groups module (extension point `wecom.group-mirror`): the groups phase mirrors each group through it. */
  private mirror(): GroupMirror {
    const groups = this.extensions.one('wecom.group-mirror');
    if (!groups) throw new Error('no customer groups module is registered to mirror WeCom groups');
    return groups;
  }

  /** Starts a run, or returns the one already running. */
  async start(tenantId: string, startedBy?: string) {
    const userids = await this.client.getFollowUserList();
    let run;
    try {
      run = await WecomSyncRunModel.create({ tenantId, userids, startedBy, startedAt: this.deps.now() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return { ...(await this.progress(tenantId))!, alreadyRunning: true };
    }
    await this.enqueue('wecom.full-sync', { runId: String(run._id) });
    return { ...view(run.toObject()), alreadyRunning: false };
  }

  async progress(tenantId: string) {
    const run = await WecomSyncRunModel.findOne({ tenantId }).sort({ startedAt: -1 }).lean();
    return run ? view(run) : null;
  }

  /** The job. Returns without work when another worker holds the lease or the run is over. */
  async run(runId: string): Promise<void> {
    if (!Types.ObjectId.isValid(runId)) return;
    const me = randomBytes(6).toString('hex');
    const claim = await WecomSyncRunModel.findOneAndUpdate(
      { _id: runId, status: 'running', $or: [{ leaseUntil: { $lt: this.deps.now() } }, { leaseUntil: null }] },
      { $set: { leaseUntil: new Date(this.deps.now().getTime() + LEASE_MS), leaseOwner: me, heartbeatAt: this.deps.now() } },
      { returnDocument: 'after' },
    ).lean();
    if (!claim) return;
    const tenantId = claim.tenantId;
    try {
      if (claim.pages === 0 && !claim.contactCursor) await this.s.tagSync.pullCorpTags(tenantId);
      for (;;) {
        const run = await WecomSyncRunModel.findOne({ _id: runId, leaseOwner: me }, null).lean();
        if (!run || run.status !== 'running') return;
        if (run.phase === 'contacts') await this.contactsPage(run);
        else if (run.phase === 'groups') await this.groupsPage(run);
        else break;
      }
      await WecomSyncRunModel.updateOne({ _id: runId }, { $set: { status: 'done', finishedAt: this.deps.now(), leaseUntil: null }, $unset: { error: 1 } });
    } catch (err) {
      // Stay 'running' with the cursor saved: the resume job continues from here.
      await WecomSyncRunModel.updateOne({ _id: runId }, { $set: { error: (err as Error).message, leaseUntil: null } });
      throw err;
    }
  }

  private async contactsPage(run: SyncRun): Promise<void> {
    const chunk = run.chunk ?? 0;
    const users: string[] = run.userids.slice(chunk * USERS_PER_CALL, (chunk + 1) * USERS_PER_CALL);
    if (!users.length) return void (await this.advance(run, { phase: 'groups' }));
    const page = await this.client.batchGetByUser(users, run.contactCursor, this.pageSize);
    for (const row of page.external_contact_list ?? []) {
      const f = row.follow_info;
      const customerId = await this.s.contacts.upsertContact(run.tenantId, row.external_contact, {
        userid: f.userid,
        createtime: f.createtime,
        state: f.state,
        remark_mobiles: f.remark_mobiles,
      });
      if (f.tag_id?.length) await this.s.tagSync.applyContactTags(run.tenantId, customerId, await this.s.tagSync.tagsFromIds(run.tenantId, f.tag_id));
    }
    const n = page.external_contact_list?.length ?? 0;
    if (page.next_cursor) await this.advance(run, { contactCursor: page.next_cursor }, { pages: 1, contacts: n });
    else await this.advance(run, { contactCursor: '', chunk: chunk + 1 }, { pages: 1, contacts: n });
  }

  /**
   * Customer groups, by owner: groupchat/list without owner_filter answers 81017 once more than 1,000
   * members are visible to the app (doc 92120), so the follow users are asked 100 at a time.
   */
  private async groupsPage(run: SyncRun): Promise<void> {
    const chunk = run.groupChunk ?? 0;
    const owners: string[] = run.userids.slice(chunk * USERS_PER_CALL, (chunk + 1) * USERS_PER_CALL);
    if (!owners.length) return void (await this.advance(run, { groupCursor: '', phase: 'finished' }));
    const page = await this.client.groupChatList({ owner_filter: { userid_list: owners }, cursor: run.groupCursor || undefined, limit: this.pageSize });
    for (const g of page.group_chat_list ?? []) await this.mirror().refresh(run.tenantId, g.chat_id);
    const n = page.group_chat_list?.length ?? 0;
    if (page.next_cursor) await this.advance(run, { groupCursor: page.next_cursor }, { pages: 1, groups: n });
    else await this.advance(run, { groupCursor: '', groupChunk: chunk + 1 }, { pages: 1, groups: n });
  }

  private async advance(run: SyncRun, set: Record<string, unknown>, inc: Record<string, number> = {}) {
    await WecomSyncRunModel.updateOne(
      { _id: run._id, leaseOwner: run.leaseOwner },
      {
        $set: { ...set, heartbeatAt: this.deps.now(), leaseUntil: new Date(this.deps.now().getTime() + LEASE_MS) },
        ...(Object.keys(inc).length ? { $inc: inc } : {}),
      },
    );
  }

  /** The resume job: runs whose worker stopped (lease expired) continue from their saved cursor. */
  async resumeStalled(): Promise<number> {
    const rows = await WecomSyncRunModel.find({ status: 'running', $or: [{ leaseUntil: { $lt: this.deps.now() } }, { leaseUntil: null }] }, null).lean();
    for (const r of rows)
      await this.run(String(r._id)).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'WeCom full sync stopped; will resume'));
    return rows.length;
  }
}

function view(r: SyncRun) {
  return {
    id: String(r._id),
    status: r.status,
    phase: r.phase,
    followUsers: r.userids?.length ?? 0,
    pages: r.pages,
    contacts: r.contacts,
    groups: r.groups,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
  };
}
