import type { Deps } from './shared/deps.js';
import { DomainHooks } from './shared/hooks.js';
import { Extensions, type ExtensionPoint } from './shared/extensions.js';
import { composeExtensions, subscribeHooks, type HookOrder, type JobQueue, type ModuleManifest } from './shared/module.js';
import { createStaff, staffManifest } from './modules/staff/staff.module.js';
import { createCustomers, customersManifest } from './modules/customers/customers.module.js';
import { createTags, tagsManifest } from './modules/tags/tags.module.js';
import { createEvents, eventsManifest } from './modules/events/events.module.js';
import { createLoyalty, loyaltyManifest } from './modules/loyalty/loyalty.module.js';
import { createDesk, deskManifest } from './modules/conversations/desk.module.js';
import { loyaltyPort } from './modules/conversations/loyalty-port.js';
import { createSegments, segmentsManifest } from './modules/segments/segments.module.js';
import { createBroadcasts } from './modules/broadcasts/broadcasts.module.js';
import { broadcastsManifest } from './modules/broadcasts/broadcasts.manifest.js';
import { createJourneys } from './modules/journeys/journeys.module.js';
import { journeysManifest } from './modules/journeys/journeys.manifest.js';
import { createPrivacy } from './modules/privacy/privacy.module.js';
import { privacyManifest } from './modules/privacy/privacy.manifest.js';
import { dashboardManifest } from './modules/dashboard/dashboard.manifest.js';
import { createWecom } from './wecom/wecom.adapter.js';
import { wecomManifest } from './wecom/wecom.manifest.js';
import { createMiniapp } from './wechat/wechat.adapter.js';
import { miniappManifest } from './wechat/wechat.manifest.js';
import { createShopperAuth, shopperAuthManifest } from './modules/shopper-auth/shopper-auth.module.js';
import { createWechatKf, wechatKfManifest } from './modules/wechat-kf/wechat-kf.module.js';
import { createContactWays, contactWaysManifest } from './modules/contact-ways/contact-ways.module.js';
import { createCustomerGroups, customerGroupsManifest } from './modules/customer-groups/customer-groups.module.js';
import { createWecomTransfers, wecomTransfersManifest } from './modules/wecom-transfers/wecom-transfers.module.js';

/**
 * Who reacts to each domain hook, in the order they run (README "How the code is organised"). A
 * module's manifest declares its subscriptions by name; a name missing here stops the boot.
 */
export const HOOK_ORDER: HookOrder = {
  // Rows move before anything that reads them; WeCom's relations after the domain's own.
  'customer.merged': [
    'events.move-customer',
    'loyalty.move-member',
    'conversations.move-customer',
    'conversations.forget-profiles',
    'wecom.move-contacts',
    'customer-groups.move-members',
    'wecom-transfers.move-transfers',
    'broadcasts.move-opt-out',
  ],
  // Points first (journeys may read the tier), then RFM (from the batch's aggregates), then journeys.
  'event.batch_accepted': ['loyalty.earn', 'segments.rescore-rfm', 'journeys.enrol-on-events'],
  'customer.created': ['journeys.enrol-new-customer'],
  'customer.at_risk': ['journeys.enrol-at-risk'],
  'loyalty.points_expiring': ['journeys.enrol-points-expiring'],
  'customer.tagged': ['wecom.push-customer-tags'],
  'tag.changed': ['wecom.push-tag-change'],
};

/**
 * The extension points that take one provider (README "How the code is organised"); a second provider
 * stops the boot. Others (the desk's channel gates) take one per contribution.
 */
export const SINGLE_PROVIDER_POINTS: readonly ExtensionPoint[] = ['wecom.contact-way-lookup', 'wecom.group-mirror', 'wecom.transfer-events'];

/**
 * The service container: each module built once by its `createX(deps, ports)`, in dependency order,
 * given the other modules' APIs it declares; then the modules' manifests (routes, jobs, hook
 * subscriptions) composed. Routes, jobs, the WeCom adapter and the bot reach the domain only through these.
 * `ports.queue` is the worker, built first, for the modules that queue jobs.
 */
export function createServices(deps: Deps, ports: { queue?: JobQueue } = {}) {
  const hooks = new DomainHooks();
  const extensions = new Extensions();
  const { staff, audit } = createStaff(deps);
  const { customers, merges, chatBindings, followUps } = createCustomers(deps, { hooks });
  const tags = createTags(deps, { hooks, customers });
  const events = createEvents(deps, { hooks, customers });
  const loyalty = createLoyalty(deps, { hooks });
  const desk = createDesk(deps, { customers, staff, loyalty: loyaltyPort(loyalty), extensions });
  const { segments, rfm } = createSegments(deps, { hooks, customers, events, followUps, loyalty });
  const wecom = createWecom(deps, { staff, customers, followUps, tags, extensions, queue: ports.queue });
  const contactWays = createContactWays(deps, { wecom, staff, tags });
  const customerGroups = createCustomerGroups(deps, { wecom, customers, staff });
  const wecomTransfers = createWecomTransfers(deps, { wecom, customers, staff, followUps, groups: customerGroups.groups });
  const broadcasts = createBroadcasts(deps, {
    segments,
    customers,
    events,
    staff,
    wecomClient: wecom.client,
    coupons: loyalty.coupons,
    loyalty: loyalty.members,
    groups: customerGroups.groups,
    desk,
  });
  const journeys = createJourneys(deps, { customers, followUps, broadcasts, orders: events, coupons: loyalty.coupons, loyalty: loyalty.members });
  const miniapp = createMiniapp(deps, { customers, loyalty });
  const shopperAuth = createShopperAuth(deps, { customers, miniapp });
  const wechatKf = createWechatKf(deps, { wecom, desk, staff });
  const privacy = createPrivacy(deps, { customers, events, loyalty, desk, audit, marketing: broadcasts, wecom });

  // Manifest order is the route table's order (the API dispatch tries routers in it).
  const modules: ModuleManifest[] = [
    staffManifest({ staff, audit }),
    customersManifest({ customers, merges, chatBindings, followUps }, { deps, audit, events, staff, tags }),
    tagsManifest(tags, { wecom }),
    eventsManifest(events, { customers, loyalty }),
    loyaltyManifest(loyalty, { deps, customers, segments }),
    shopperAuthManifest(shopperAuth, { deps, customers }),
    deskManifest(desk, { deps, customers, wechatKf }),
    segmentsManifest({ segments, rfm }, { deps, customers, broadcasts }),
    broadcastsManifest(broadcasts, { deps, customers, segments }),
    journeysManifest(journeys, { deps, customers, loyalty }),
    contactWaysManifest(contactWays, { wecom }),
    wecomManifest(wecom, { deps, tags }),
    customerGroupsManifest(customerGroups, { deps }),
    wecomTransfersManifest(wecomTransfers, { wecom }),
    miniappManifest(miniapp, { customers, loyalty, shopperAuth }),
    privacyManifest(privacy, { deps, audit, customers }),
    dashboardManifest({ deps, customers, events, broadcasts, desk }),
    wechatKfManifest(wechatKf),
  ];
  subscribeHooks(hooks, modules, HOOK_ORDER);
  composeExtensions(extensions, modules, SINGLE_PROVIDER_POINTS);
  return {
    deps,
    hooks,
    modules,
    staff,
    audit,
    merges,
    customers,
    chatBindings,
    followUps,
    tags,
    events,
    loyalty,
    desk,
    segments,
    rfm,
    broadcasts,
    journeys,
    wecom,
    contactWays,
    customerGroups,
    wecomTransfers,
    miniapp,
    shopperAuth,
    privacy,
    wechatKf,
  };
}

export type Services = ReturnType<typeof createServices>;
