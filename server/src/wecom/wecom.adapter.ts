import type { Deps } from '../shared/deps.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { FollowUpService } from '../modules/customers/follow-up.service.js';
import type { TagService } from '../modules/tags/tag.service.js';
import type { JobQueue } from '../shared/module.js';
import type { Extensions } from '../shared/extensions.js';
import { WecomClient } from './wecom.client.js';
import { WecomCrypto } from './wecom-crypto.js';
import { TagSyncService } from './tag-sync.service.js';
import { ExternalContactService } from './external-contact.service.js';
import { WecomCallbackService } from './wecom-callback.service.js';
import { FullSyncService } from './full-sync.service.js';
import { SidebarAuthService } from './sidebar-auth.service.js';
import { SidebarContextService } from './sidebar-context.service.js';
import { WecomFollowsService } from './follows.service.js';

/**
 * The WeCom adapter, built once in the service container. Jobs are queued through the worker (the
 * `queue` port); a process built without one (a script) cannot queue, and the work waits in its
 * pending row for the repair jobs. The optional modules it calls (channel codes, group mirror,
 * transfers) reach it through `extensions`, composed from their manifests.
 */
export function createWecom(
  deps: Deps,
  m: { staff: StaffService; customers: CustomerService; followUps: FollowUpService; tags: TagService; extensions: Extensions; queue?: JobQueue },
) {
  const { config } = deps;
  const enqueue = async (name: string, data: Record<string, unknown>) => {
    if (!m.queue) throw new Error('this process has no job queue');
    await m.queue.now(name, data);
  };
  const client = new WecomClient({
    apiBase: config.WECOM_API_BASE,
    corpId: config.WECOM_CORP_ID,
    secret: config.WECOM_SECRET,
    agentId: config.WECOM_AGENT_ID,
    redis: deps.redis,
    log: deps.log,
    timeoutMs: config.WECOM_TIMEOUT_MS,
  });
  const crypto =
    config.WECOM_TOKEN && config.WECOM_ENCODING_AES_KEY ? new WecomCrypto(config.WECOM_TOKEN, config.WECOM_ENCODING_AES_KEY, config.WECOM_CORP_ID) : undefined;
  const tagSync = new TagSyncService(deps, client, m.tags, m.customers, enqueue);
  const contacts = new ExternalContactService(deps, client, { customers: m.customers, staff: m.staff, followUps: m.followUps, tagSync }, m.extensions);
  const callbacks = new WecomCallbackService(deps, { contacts, tagSync }, m.extensions);
  const fullSync = new FullSyncService(deps, client, { contacts, tagSync }, enqueue, m.extensions);
  const sidebar = new SidebarAuthService(deps, client, m.staff);
  const sidebarContext = new SidebarContextService(deps, client, { customers: m.customers, staff: m.staff, contacts, tagSync });
  const enabled = Boolean(config.WECOM_CORP_ID && config.WECOM_SECRET);
  return {
    enabled,
    client,
    crypto,
    tagSync,
    contacts,
    /** The contact relations, by purpose, for the modules built on the adapter (their collection stays the adapter's). */
    follows: new WecomFollowsService(),
    callbacks,
    fullSync,
    sidebar,
    sidebarContext,
    enqueue,
  };
}

export type Wecom = ReturnType<typeof createWecom>;
