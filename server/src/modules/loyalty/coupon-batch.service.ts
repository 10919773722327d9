import { Types } from 'mongoose';
import { notFound } from '../../shared/app-error.js';
import { CouponBatchModel, type CouponBatchDoc } from './coupon.model.js';
import type { CouponService } from './coupon.service.js';

export const MAX_BATCH_RECIPIENTS = 10_000;

const batchView = (b: Omit<CouponBatchDoc, 'failures'> & { failures?: Array<{ customerId?: string | null; reason?: string | null }> | null }) => ({
  id: String(b._id),
  templateId: String(b.templateId),
  segmentId: b.segmentId ? String(b.segmentId) : null,
  state: b.state as 'queued' | 'running' | 'done',
  total: b.total ?? b.customerIds?.length ?? 0,
  processed: b.cursor,
  issued: b.issued,
  failed: b.failed,
  failures: (b.failures ?? []).slice(0, 50),
  createdAt: b.createdAt,
});

/**
 * Bulk issue to a list of customers (a segment's members), run by the `loyalty.issue-batches` job.
 * Each recipient is issued under the key `batch:<batchId>:<customerId>` and the cursor moves with the
 * counters in one conditional update, so a worker that dies mid-batch resumes without double counts.
 */
export class CouponBatchService {
  constructor(private readonly coupons: CouponService) {}

  async create(tenantId: string, templateId: string, customerIds: string[], createdBy?: string, segmentId?: string) {
    await this.coupons.template(tenantId, templateId);
    const unique = [...new Set(customerIds)];
    const doc = await CouponBatchModel.create({
      tenantId,
      templateId: new Types.ObjectId(templateId),
      customerIds: unique,
      total: unique.length,
      createdBy,
      segmentId: segmentId ? new Types.ObjectId(segmentId) : undefined,
    });
    return batchView(doc.toObject());
  }

  /** The latest bulk issues (without their recipient lists), for the console. */
  async list(tenantId: string, limit = 20) {
    const rows = await CouponBatchModel.find({ tenantId }).select({ customerIds: 0 }).sort({ createdAt: -1 }).limit(limit).lean();
    return rows.map(batchView);
  }

  async get(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound('Coupon batch');
    const b = await CouponBatchModel.findOne({ tenantId, _id: id }).lean();
    if (!b) throw notFound('Coupon batch');
    return batchView(b);
  }

  /** The job: works through queued and running batches, `budget` recipients per run. */
  async runPending(budget = 2000): Promise<number> {
    let done = 0;
    const batches = await CouponBatchModel.find({ state: { $in: ['queued', 'running'] } })
      .sort({ createdAt: 1 })
      .limit(10)
      .lean();
    for (const b of batches) {
      await CouponBatchModel.updateOne({ _id: b._id, state: 'queued' }, { $set: { state: 'running' } });
      for (let i = b.cursor; i < b.customerIds.length && done < budget; i++, done++) {
        const customerId = b.customerIds[i];
        let failure: string | undefined;
        try {
          await this.coupons.issue(b.tenantId, {
            templateId: String(b.templateId),
            customerId,
            channel: 'campaign',
            issueKey: `batch:${b._id}:${customerId}`,
            batchId: String(b._id),
            issuedBy: b.createdBy ?? undefined,
          });
        } catch (err) {
          failure = (err as Error).message;
        }
        const update: Record<string, unknown> = { $set: { cursor: i + 1 }, $inc: failure ? { failed: 1 } : { issued: 1 } };
        if (failure) update.$push = { failures: { $each: [{ customerId, reason: failure }], $slice: 200 } };
        const moved = await CouponBatchModel.updateOne({ _id: b._id, cursor: i }, update);
        if (!moved.modifiedCount) break; // another worker is on this batch
      }
      const fresh = await CouponBatchModel.findById(b._id, { cursor: 1, customerIds: 1 }).lean();
      if (fresh && fresh.cursor >= fresh.customerIds.length) await CouponBatchModel.updateOne({ _id: b._id, state: 'running' }, { $set: { state: 'done' } });
      if (done >= budget) break;
    }
    return done;
  }
}
