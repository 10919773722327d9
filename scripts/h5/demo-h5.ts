import type { DemoParts } from '../demo-plugins.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { ensureH5Built } from './ensure-h5-built.js';

/**
 * The demo serves the H5 pages from the same server (built on first start), and prints links to the
 * three apps. The member-center link pre-fills the demo login with a seeded shopper's phone.
 */
export async function addH5Demo(_env: Record<string, string | undefined>, _cleanups: Array<() => Promise<void>>, parts: DemoParts): Promise<void> {
  ensureH5Built();
  parts.runtime.push(staticH5Plugin());
  parts.afterSeed.push(async (rt) => {
    const tenant = rt.services.deps.config.DEFAULT_TENANT;
    const shopper = (await rt.services.customers.search(tenant, { page: 1, pageSize: 1 })).items.find((c) => c.phone);
    parts.urls.push(
      { label: 'Member center', url: `{base}/h5/member${shopper?.phone ? `?demoPhone=${shopper.phone}` : ''}` },
      { label: 'Sales sidebar', url: '{base}/h5/sidebar' },
      { label: 'Console', url: '{base}/h5/console' },
    );
  });
}
