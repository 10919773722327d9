import mongoose, { Schema } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

const journeySchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    trigger: { type: Schema.Types.Mixed, required: true },
    steps: { type: [Schema.Types.Mixed], required: true },
    enabled: { type: Boolean, default: true },
    createdBy: { type: String },
    /**
     * Every save is a new version (1 on create); `versions` keeps each one's name, trigger and steps,
     * so a run keeps executing the version it started on after the journey is edited.
     */
    version: { type: Number, default: 1 },
    versions: {
      type: [{ _id: false, version: Number, name: String, trigger: Schema.Types.Mixed, steps: [Schema.Types.Mixed], savedAt: Date, savedBy: String }],
      default: [],
    },
    /** The local day the date triggers (birthday, dormant) were last scanned for this journey. */
    scannedDay: { type: String },
  },
  { timestamps: true, minimize: false },
);
journeySchema.index({ tenantId: 1, name: 1 }, { unique: true });
journeySchema.index({ enabled: 1, 'trigger.type': 1 });
export const JourneyModel = mongoose.model('Journey', journeySchema, 'journeys');
export type JourneyDoc = LeanDoc<typeof JourneyModel>;

/**
 * One customer's pass through a journey for one trigger occurrence. The unique key is the "at most
 * once per occurrence" rule; `step` only moves forward by a conditional update, and the worker
 * executing a step holds a lease on the run.
 */
const runSchema = new Schema({
  tenantId: { type: String, required: true },
  journeyId: { type: Schema.Types.ObjectId, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  occurrence: { type: String, required: true },
  state: { type: String, enum: ['active', 'done', 'exited'], default: 'active' },
  step: { type: Number, default: 0 },
  /** The journey version the run started on, and keeps to (absent on runs from before versions: 1). */
  version: { type: Number },
  nextAt: { type: Date, required: true },
  startedAt: { type: Date, required: true },
  leaseUntil: { type: Date },
  sendingSince: { type: Date },
  log: { type: [{ _id: false, step: Number, type: { type: String }, outcome: String, at: Date }], default: [] },
});
runSchema.index({ journeyId: 1, customerId: 1, occurrence: 1 }, { unique: true });
runSchema.index({ state: 1, nextAt: 1 });
runSchema.index({ tenantId: 1, customerId: 1 });
export const JourneyRunModel = mongoose.model('JourneyRun', runSchema, 'journey_runs');
export type JourneyRunDoc = LeanDoc<typeof JourneyRunModel>;
