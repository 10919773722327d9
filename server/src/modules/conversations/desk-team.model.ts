import mongoose, { Schema } from 'mongoose';

/**
 * A desk team (售前, 售后, VIP…): the staff who answer its queue and its own response targets (unset:
 * the tenant's). A chat handed to a team waits in that team's queue and goes to its members only.
 */
const deskTeamSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    memberIds: { type: [String], default: [] },
    firstResponseSeconds: { type: Number },
    nextResponseSeconds: { type: Number },
    /** Who hears of this team's missed response targets (已升级给); unset: the tenant's supervisor role. */
    managerId: { type: String },
  },
  { timestamps: true },
);
deskTeamSchema.index({ tenantId: 1, name: 1 }, { unique: true });
deskTeamSchema.index({ tenantId: 1, memberIds: 1 });
export const DeskTeamModel = mongoose.model('DeskTeam', deskTeamSchema, 'desk_teams');
