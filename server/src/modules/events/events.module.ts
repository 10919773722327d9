import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import { EventService } from './event.service.js';
import { eventRoutes, type EventRouteApis } from './event.routes.js';

/** Ingest of orders and behaviour, idempotent by event id; profile aggregates. */
export type EventsApi = EventService;

/** `hooks` to announce `event.accepted` and `event.batch_accepted`. */
export function createEvents(deps: Deps, ports: { hooks: DomainHooks; customers: CustomerService }): EventsApi {
  return new EventService(deps, ports.hooks, ports.customers);
}

export function eventsManifest(events: EventsApi, uses: Omit<EventRouteApis, 'events'>): ModuleManifest {
  return {
    name: 'events',
    routes: () => [eventRoutes({ ...uses, events })],
    jobs: [{ name: 'events.repair-unapplied', every: '1 minute', run: () => events.repairUnapplied() }],
    // The applier, woken by each accepted batch: loyalty, aggregates, RFM and journeys off the request path.
    listeners: [{ name: 'events.apply', start: () => events.applier.listen() }],
    hooks: [{ on: 'customer.merged', name: 'events.move-customer', run: (p) => events.moveCustomer(p) }],
  };
}
