import type { ApiRouter } from './http/route.js';
import type { DomainHooks, HookPayloads } from './hooks.js';
import type { ExtensionContribution, ExtensionPoint, Extensions } from './extensions.js';

/**
 * How a module plugs into the process. Each module exports `createX(deps, ports): XApi` (its services,
 * given the other modules' APIs it needs as ports) and `xManifest(api, uses): ModuleManifest` (what it
 * contributes, as data). `services.ts` builds the APIs in dependency order and composes the manifests:
 * routers into the route table, jobs into the worker, hook subscriptions in the order HOOK_ORDER says,
 * contributions to the cores' extension points (`shared/extensions.ts`) into the registry the cores call.
 */

/** An Agenda job or schedule. Jobs take ids only and do nothing when the state says the work is done. */
export interface JobDefinition {
  name: string;
  /** Recurring interval (Agenda syntax, e.g. '1 minute'); omit for on-demand jobs. */
  every?: string;
  concurrency?: number;
  lockLifetimeMs?: number;
  run: (data: Record<string, unknown>) => Promise<unknown>;
}

/** Enqueues a job by name with ids only: the worker, handed to the modules that queue work as a port. */
export interface JobQueue {
  now(name: string, data: Record<string, unknown>): Promise<void>;
}

export type HookName = keyof HookPayloads;

/** One reaction to a domain hook; `name` ('loyalty.earn') is how HOOK_ORDER places it. */
export type HookSubscription = { [K in HookName]: { on: K; name: string; run: (payload: HookPayloads[K]) => Promise<void> | void } }[HookName];

/** Per hook, the subscriptions' names in the order they run. */
export type HookOrder = { [K in HookName]?: readonly string[] };

export interface ModuleManifest {
  name: string;
  /** The module's routers, built from the APIs its routes declare (called once per HTTP app). */
  routes?: () => ApiRouter[];
  jobs?: JobDefinition[];
  hooks?: HookSubscription[];
  /** What the module contributes to other modules' extension points (called directly by the core). */
  provides?: ExtensionContribution[];
  /** Long-running parts the worker role starts (a pub/sub listener); each returns how to stop it. */
  listeners?: Array<{ name: string; start: () => Promise<() => Promise<void>> }>;
}

/**
 * Subscribes every manifest's hook handlers in the order `order` gives, whatever order the modules were
 * built in. A subscription the order does not place is refused at boot: where a new reaction runs
 * relative to the others (earn points before rescoring RFM) is a decision, not an accident.
 */
export function subscribeHooks(hooks: DomainHooks, manifests: readonly ModuleManifest[], order: HookOrder): void {
  const subscriptions = manifests.flatMap((m) => m.hooks ?? []);
  const place = (s: HookSubscription) => {
    const at = order[s.on]?.indexOf(s.name) ?? -1;
    if (at < 0) throw new Error(`hook subscription ${s.name} on ${s.on} has no place in the hook order; add it to HOOK_ORDER['${s.on}']`);
    return at;
  };
  const names = new Set<string>();
  for (const s of subscriptions) {
    place(s);
    const key = `${s.on} ${s.name}`;
    if (names.has(key)) throw new Error(`hook subscription ${s.name} on ${s.on} is declared twice`);
    names.add(key);
  }
  for (const s of [...subscriptions].sort((a, b) => a.on.localeCompare(b.on) || place(a) - place(b))) {
    hooks.on(s.on, s.run as never);
  }
}

/** Every manifest's routers, in manifest order (the route table's order). */
export function moduleRouters(manifests: readonly ModuleManifest[]): ApiRouter[] {
  return manifests.flatMap((m) => m.routes?.() ?? []);
}

/** Every manifest's jobs. */
export function moduleJobs(manifests: readonly ModuleManifest[]): JobDefinition[] {
  return manifests.flatMap((m) => m.jobs ?? []);
}

/** Every manifest's listeners (started by the worker role). */
export function moduleListeners(manifests: readonly ModuleManifest[]): NonNullable<ModuleManifest['listeners']> {
  return manifests.flatMap((m) => m.listeners ?? []);
}

/** Every manifest's contributions into the extension registry the cores were given; `single` lists the one-provider points. */
export function composeExtensions(extensions: Extensions, manifests: readonly ModuleManifest[], single: readonly ExtensionPoint[]): void {
  extensions.compose(
    manifests.flatMap((m) => m.provides ?? []),
    single,
  );
}
