import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { EventService } from '../events/event.service.js';
import type { LoyaltyService } from '../loyalty/loyalty.service.js';
import type { DeskService } from '../conversations/desk.service.js';
import type { AuditService } from '../staff/audit.service.js';
import { ConsentService, type MarketingOptOutPort } from './consent.service.js';
import { DataExportService } from './data-export.service.js';
import { ErasureService } from './erasure.service.js';
import { RetentionService } from './retention.service.js';
import { WecomErasure, type WecomErasurePort } from './erasure-wecom.service.js';

/** The privacy module: consent, export, erasure and retention, wired once in the service container. */
export function createPrivacy(
  deps: Deps,
  parts: {
    customers: CustomerService;
    events: EventService;
    loyalty: LoyaltyService;
    desk: DeskService;
    audit: AuditService;
    marketing: MarketingOptOutPort;
    wecom?: WecomErasurePort;
  },
) {
  const consents = new ConsentService(deps, parts.marketing, parts.customers, parts.audit);
  const wecomErasure = new WecomErasure(deps, parts.wecom);
  return {
    consents,
    exports: new DataExportService(deps, { ...parts, consents }),
    erasure: new ErasureService(deps, parts.customers, parts.audit, wecomErasure, parts.desk.attachments, (tenantId, id) =>
      parts.desk.conversations.forgetProfile(tenantId, id),
    ),
    wecomErasure,
    retention: new RetentionService(deps, parts.desk.attachments),
  };
}
export type Privacy = ReturnType<typeof createPrivacy>;
