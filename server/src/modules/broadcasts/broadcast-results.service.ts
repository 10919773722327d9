import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import { CampaignModel, DeliveryModel, GroupDeliveryModel, type CampaignDoc } from './broadcast.model.js';
import type { ChannelName, ChannelProvider, DeliveryStatus } from './channels/channel.provider.js';

const DAY_MS = 86_400_000;
/** Statuses that no later pull can change; rows holding one are not asked about again. */
const FINAL: DeliveryStatus[] = ['delivered', 'not_a_contact', 'recipient_limit', 'undelivered'];

/**
 * Pulls the channel's send results back into the delivery rows ("sent" only means WeCom accepted the
 * task; the staff member still has to confirm it in their app). Rewriting a status with the same
 * value is harmless, so a pull can be repeated or run by two workers at once.
 */
export class BroadcastResultsService {
  constructor(
    private readonly deps: Deps,
    private readonly providers: Map<ChannelName, ChannelProvider>,
    private readonly customers: CustomerService,
    /** bot_room rows: what became of each queued room message, by outbound row id. */
    private readonly roomResults?: (tenantId: string, refs: string[]) => Promise<Map<string, DeliveryStatus>>,
  ) {}

  /**
   * One campaign's current run and the one before (a recurring campaign rolls over to its next run
   * while confirmations for the last are still coming in); returns how many rows changed status.
   */
  async sync(tenantId: string, campaignId: string): Promise<number> {
    const c = await CampaignModel.findOne({ tenantId, _id: campaignId }).lean<CampaignDoc>();
    if (c?.channel === 'wecom_group_chat') return this.syncGroups(c);
    if (c?.channel === 'bot_room') return this.syncRooms(c);
    const provider = c && this.providers.get(c.channel as ChannelName);
    if (!c || !provider?.results) return 0;
    const rows = await DeliveryModel.find({ campaignId: c._id, occurrence: { $gte: c.occurrence - 1 }, state: 'sent', providerStatus: { $nin: FINAL } })
      .select({ customerId: 1, providerRef: 1, providerStatus: 1 })
      .lean();
    const refs = [...new Set(rows.map((r) => r.providerRef).filter((x): x is string => Boolean(x)))];
    if (!refs.length) return 0;
    const results = await provider.results(tenantId, refs);
    const ext = await this.customers.externalUserIds(
      tenantId,
      rows.map((r) => r.customerId as Types.ObjectId),
    );
    const changed = new Map<DeliveryStatus, Types.ObjectId[]>();
    for (const r of rows) {
      // '*': a channel whose every reference is one recipient (bot messages) names no address.
      const byTo = results.get(r.providerRef!);
      const status = byTo?.get(ext.get(String(r.customerId)) ?? '') ?? byTo?.get('*');
      if (status && status !== r.providerStatus) changed.set(status, [...(changed.get(status) ?? []), r._id as Types.ObjectId]);
    }
    let n = 0;
    for (const [status, ids] of changed)
      n += (await DeliveryModel.updateMany({ _id: { $in: ids }, state: 'sent' }, { $set: { providerStatus: status } })).modifiedCount;
    await CampaignModel.updateOne({ _id: c._id }, { $set: { resultsSyncedAt: this.deps.now() } });
    return n;
  }

  /** Customer-group rows: WeCom reports them through the same group-message results, by chat id. */
  private async syncGroups(c: CampaignDoc): Promise<number> {
    const results = this.providers.get('wecom_group_msg')?.results;
    if (!results) return 0;
    const rows = await GroupDeliveryModel.find({ campaignId: c._id, occurrence: { $gte: c.occurrence - 1 }, state: 'sent', providerStatus: { $nin: FINAL } })
      .select({ chatId: 1, providerRef: 1, providerStatus: 1 })
      .lean();
    const refs = [...new Set(rows.map((r) => r.providerRef).filter((x): x is string => Boolean(x)))];
    if (!refs.length) return 0;
    const found = await results.call(this.providers.get('wecom_group_msg'), c.tenantId, refs);
    const changed = new Map<DeliveryStatus, Types.ObjectId[]>();
    for (const r of rows) {
      // WeCom lists a group only once its owner sent to it (doc 93338): a known message without the
      // group is still waiting for the owner.
      const byChat = found.get(r.providerRef!);
      const status = byChat ? (byChat.get(r.chatId) ?? 'awaiting_confirmation') : undefined;
      if (status && status !== r.providerStatus) changed.set(status, [...(changed.get(status) ?? []), r._id as Types.ObjectId]);
    }
    let n = 0;
    for (const [status, ids] of changed)
      n += (await GroupDeliveryModel.updateMany({ _id: { $in: ids }, state: 'sent' }, { $set: { providerStatus: status } })).modifiedCount;
    await CampaignModel.updateOne({ _id: c._id }, { $set: { resultsSyncedAt: this.deps.now() } });
    return n;
  }

  private async syncRooms(c: CampaignDoc): Promise<number> {
    if (!this.roomResults) return 0;
    const rows = await GroupDeliveryModel.find({ campaignId: c._id, occurrence: { $gte: c.occurrence - 1 }, state: 'sent', providerStatus: { $nin: FINAL } })
      .select({ providerRef: 1, providerStatus: 1 })
      .lean();
    const refs = rows.map((r) => r.providerRef).filter((x): x is string => Boolean(x));
    if (!refs.length) return 0;
    const found = await this.roomResults(c.tenantId, refs);
    let n = 0;
    for (const r of rows) {
      const status = found.get(r.providerRef!);
      if (status && status !== r.providerStatus)
        n += (await GroupDeliveryModel.updateOne({ _id: r._id, state: 'sent' }, { $set: { providerStatus: status } })).modifiedCount;
    }
    await CampaignModel.updateOne({ _id: c._id }, { $set: { resultsSyncedAt: this.deps.now() } });
    return n;
  }

  /** The job: every campaign that sent in the last week (WeCom confirmations trickle in for days). */
  async syncRecent(): Promise<void> {
    const since = new Date(this.deps.now().getTime() - 7 * DAY_MS);
    const campaigns = await CampaignModel.find({ status: { $in: ['sending', 'completed', 'scheduled', 'paused'] }, startedAt: { $gte: since } })
      .sort({ resultsSyncedAt: 1 })
      .limit(50)
      .select({ tenantId: 1 })
      .lean();
    for (const c of campaigns) {
      try {
        await this.sync(c.tenantId, String(c._id));
      } catch (err) {
        this.deps.log.warn({ campaignId: String(c._id), err: (err as Error).message }, 'broadcast results pull failed; next run retries');
      }
    }
  }
}
