import { CampaignModel, DeliveryModel } from './broadcast.model.js';

/** What a funnel needs of one campaign: when it started, how long orders count, and who was sent it. */
export interface FunnelCampaign {
  start: Date;
  attributionDays: number;
  sentTo: string[];
}

/**
 * The customer-message campaigns of a period as the dashboard's funnel reads them: recipients (rows
 * outside the holdout), sent (accepted by the channel), delivered (confirmed by the channel's
 * results), and per campaign who was sent it, so the caller can match orders in its attribution
 * window. Group and room campaigns have no per-customer rows and count nothing here.
 */
export class BroadcastFunnel {
  async recent(tenantId: string, since: Date, maxCampaigns: number, until?: Date) {
    const inPeriod = until ? { $gte: since, $lt: until } : { $gte: since };
    const campaigns = await CampaignModel.find({ tenantId, $or: [{ startedAt: inPeriod }, { startedAt: null, createdAt: inPeriod }] })
      .sort({ createdAt: -1 })
      .limit(maxCampaigns)
      .select({ startedAt: 1, startAt: 1, createdAt: 1, attributionDays: 1 })
      .lean();
    const counts = { campaigns: campaigns.length, recipients: 0, sent: 0, delivered: 0 };
    if (!campaigns.length) return { counts, campaigns: [] as FunnelCampaign[] };
    const rows: { _id: { state: string; providerStatus?: string }; n: number }[] = await DeliveryModel.aggregate([
      { $match: { tenantId, campaignId: { $in: campaigns.map((c) => c._id) }, state: { $ne: 'holdout' } } },
      { $group: { _id: { state: '$state', providerStatus: '$providerStatus' }, n: { $sum: 1 } } },
    ]);
    for (const r of rows) {
      counts.recipients += r.n;
      if (r._id.state === 'sent') counts.sent += r.n;
      if (r._id.state === 'sent' && r._id.providerStatus === 'delivered') counts.delivered += r.n;
    }
    const out: FunnelCampaign[] = [];
    for (const c of campaigns) {
      const sentTo: unknown[] = await DeliveryModel.distinct('customerId', { tenantId, campaignId: c._id, state: 'sent' });
      out.push({ start: c.startedAt ?? c.startAt ?? c.createdAt, attributionDays: c.attributionDays ?? 7, sentTo: sentTo.map(String) });
    }
    return { counts, campaigns: out };
  }
}
