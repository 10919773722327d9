import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { StaffService } from '../staff/staff.service.js';
import type { TagService } from '../tags/tag.service.js';
import type { Wecom } from '../../wecom/wecom.adapter.js';
import { ContactWayService } from './contact-way.service.js';
import { contactWayRoutes, type ContactWayRouteApis } from './contact-way.routes.js';

/** Channel QR codes (活码): WeCom contact ways with a state of ours, their tags, welcome and daily cap. */
export type ContactWaysApi = ContactWayService;

/**
 * `wecom` is the adapter: its client creates the codes, and its contacts ask this module which code an
 * add came through (the manifest provides the extension point `wecom.contact-way-lookup`).
 */
export function createContactWays(deps: Deps, ports: { wecom: Wecom; staff: StaffService; tags: TagService }): ContactWaysApi {
  return new ContactWayService(deps, ports.wecom.client, ports.staff, ports.tags, ports.wecom.follows);
}

export function contactWaysManifest(
  contactWays: ContactWaysApi,
  uses: Omit<ContactWayRouteApis, 'contactWays'> & { wecom: { enabled: boolean } },
): ModuleManifest {
  return {
    name: 'contact-ways',
    routes: () => [contactWayRoutes({ contactWays })],
    provides: [{ point: 'wecom.contact-way-lookup', name: 'contact-ways', impl: contactWays }],
    jobs: uses.wecom.enabled ? [{ name: 'wecom.contact-ways.restore', every: '1 hour', run: () => contactWays.restorePrimaries() }] : [],
  };
}
