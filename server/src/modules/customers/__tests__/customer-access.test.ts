import Koa from 'koa';
import type { Server } from 'node:http';
import { ApiRouter } from '../../../shared/http/route.js';
import { errorMiddleware } from '../../../shared/http/errors.middleware.js';
import { notFound } from '../../../shared/app-error.js';
import type { Principal, StaffRole } from '../../../shared/http/principal.js';
import { canSeeCustomer, requireVisibleCustomer, visibleCustomer, type CustomerReader } from '../customer-access.js';

const staff = (role: StaffRole, id = 'staff-me'): Principal => ({ kind: 'staff', id, role, tenantId: 't1', name: role });
const owned = { _id: 'c-owned', ownerStaffId: 'staff-me', followerStaffIds: [] };
const followed = { _id: 'c-followed', ownerStaffId: 'staff-other', followerStaffIds: ['staff-me'] };
const stranger = { _id: 'c-stranger', ownerStaffId: 'staff-other', followerStaffIds: ['staff-third'] };
const unowned = { _id: 'c-unowned', ownerStaffId: null };

describe('who may see a customer', () => {
  it('lets sales see only the customers they own or follow', () => {
    const sales = staff('sales');
    expect([owned, followed, stranger, unowned].map((c) => canSeeCustomer(sales, c))).toEqual([true, true, false, false]);
  });

  it.each(['agent', 'community_manager', 'admin'] as const)('lets %s see every customer of the tenant', (role) => {
    expect([owned, followed, stranger, unowned].every((c) => canSeeCustomer(staff(role), c))).toBe(true);
  });

  it('lets a shopper see only themselves and an integration key no profile', () => {
    const shopper: Principal = { kind: 'shopper', customerId: 'c-owned', tenantId: 't1' };
    expect([canSeeCustomer(shopper, owned), canSeeCustomer(shopper, stranger)]).toEqual([true, false]);
    expect(canSeeCustomer({ kind: 'integration', id: 'k1', tenantId: 't1' }, owned)).toBe(false);
  });
});

describe('requireVisibleCustomer on a route', () => {
  let server: Server;
  let url: string;
  let caller: Principal;
  const docs = new Map<string, unknown>([owned, followed, stranger].map((d) => [d._id, d]));
  const customers = {
    get: async (_tenantId: string, id: string) => {
      const doc = docs.get(id);
      if (!doc) throw notFound('Customer');
      return doc;
    },
  } as unknown as CustomerReader;

  beforeAll(async () => {
    const api = new ApiRouter('/api/v1/customers', 'customers').route(
      { method: 'get', path: '/:id', allow: ['admin', 'sales', 'agent'], summary: 'one', use: [requireVisibleCustomer(customers, 'id')] },
      ({ ctx }) => ({ shown: String(visibleCustomer(ctx)._id) }),
    );
    const app = new Koa();
    app.use(errorMiddleware({ warn() {}, error() {}, info() {}, debug() {} } as never));
    app.use(async (ctx, next) => {
      ctx.state.principal = caller;
      await next();
    });
    app.use(api.routes());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/api/v1/customers`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("hands the handler the profile a sales member follows, and answers 404 for another's customer as for a missing one", async () => {
    caller = staff('sales');
    const ok = await fetch(`${url}/c-followed`);
    expect([ok.status, await ok.json()]).toEqual([200, { shown: 'c-followed' }]);
    const other = await fetch(`${url}/c-stranger`);
    const missing = await fetch(`${url}/c-nobody`);
    expect([other.status, missing.status]).toEqual([404, 404]);
    expect(await other.json()).toEqual(await missing.json());
  });

  it('opens any customer to an agent', async () => {
    caller = staff('agent');
    const res = await fetch(`${url}/c-stranger`);
    expect([res.status, await res.json()]).toEqual([200, { shown: 'c-stranger' }]);
  });
});
