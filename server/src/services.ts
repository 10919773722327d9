import type { Deps } from './shared/deps.js';
import { DomainHooks } from './shared/hooks.js';
import { StaffService } from './modules/staff/staff.service.js';
import { AuditService } from './modules/staff/audit.service.js';
import { CustomerService } from './modules/customers/customer.service.js';
import { CustomerMergeService } from './modules/customers/customer-merge.service.js';
import { ChatBindingService } from './modules/customers/chat-binding.service.js';
import { FollowUpService } from './modules/customers/follow-up.service.js';
import { TagService } from './modules/tags/tag.service.js';
import { EventService } from './modules/events/event.service.js';
import { LoyaltyService } from './modules/loyalty/loyalty.service.js';
import { DeskService } from './modules/conversations/desk.service.js';
import { loyaltyPort } from './modules/conversations/loyalty-port.js';
import { SegmentService } from './modules/segments/segment.service.js';
import { RfmService } from './modules/segments/rfm.service.js';
import { createBroadcasts } from './modules/broadcasts/broadcasts.module.js';
import { createJourneys } from './modules/journeys/journeys.module.js';
import { createWecom } from './wecom/wecom.adapter.js';
import { createPrivacy } from './modules/privacy/privacy.module.js';
import { createMiniapp } from './wechat/wechat.adapter.js';
import { createWechatKf } from './modules/wechat-kf/wechat-kf.module.js';

/**
 * The service container: every module's service built once with its dependencies. Routes, jobs, the
 * WeCom adapter and the bot reach the domain only through these.
 */
export function createServices(deps: Deps) {
  const hooks = new DomainHooks();
  const staff = new StaffService(deps);
  const audit = new AuditService(deps);
  const merges = new CustomerMergeService(deps, hooks);
  const customers = new CustomerService(deps, hooks, merges);
  const chatBindings = new ChatBindingService(deps, customers, merges);
  const followUps = new FollowUpService(deps);
  const tags = new TagService(deps, hooks, customers);
  const events = new EventService(deps, hooks, customers);
  const loyalty = new LoyaltyService(deps, hooks);
  const desk = new DeskService(deps, hooks, customers, staff);
  desk.useLoyalty(loyaltyPort(loyalty));
  const segments = new SegmentService(deps, events);
  const rfm = new RfmService(deps, hooks, { customers, events, followUps });
  const wecom = createWecom(deps, { hooks, staff, customers, followUps, tags });
  const broadcasts = createBroadcasts(deps, { segments, customers, events, staff, wecomClient: wecom.client, coupons: () => loyalty.coupons, loyalty: () => loyalty.members, groups: () => wecom.groups, hooks, desk });
  const journeys = createJourneys(deps, hooks, { customers, followUps, broadcasts, coupons: () => loyalty.coupons, tierOf: async (t: string, c: string) => (await loyalty.members.find(t, c))?.tier ?? undefined, loyalty: () => loyalty.members });
  const miniapp = createMiniapp(deps, { customers, loyalty });
  const wechatKf = createWechatKf(deps, { wecom, desk, staff });
  const privacy = createPrivacy(deps, { customers, events, loyalty, desk, audit, marketing: broadcasts, wecom });
  return { deps, hooks, staff, audit, merges, customers, chatBindings, followUps, tags, events, loyalty, desk, segments, rfm, broadcasts, journeys, wecom, miniapp, privacy, wechatKf };
}

export type Services = ReturnType<typeof createServices>;
