/**
 * Extension points: a core calls out to optional modules it does not know (the WeCom contacts ask
 * which channel code an add came through; the desk asks a channel for a send before queueing a
 * reply). The core declares each point by merging its interface into `ExtensionPoints`
 * (`declare module '../shared/extensions.js'`) and takes the `Extensions` registry as a port; a
 * module's manifest lists what it contributes (`provides`), and `services.ts` composes them at boot,
 * like hook subscriptions. Unlike a hook, a contribution is called directly and awaited by the core,
 * which gets its answer and its errors; with no module providing a point, the core does what it
 * does without that module.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each core's declaration merging
export interface ExtensionPoints {}

export type ExtensionPoint = keyof ExtensionPoints;

/** One module's implementation of a point; `name` says who provides it (boot errors name it). */
export type ExtensionContribution = { [K in ExtensionPoint]: { point: K; name: string; impl: ExtensionPoints[K] } }[ExtensionPoint];

export class Extensions {
  private readonly provided = new Map<ExtensionPoint, Array<{ name: string; impl: unknown }>>();

  /** Every contribution to `point`, in manifest order (the desk's channel gates). */
  all<K extends ExtensionPoint>(point: K): Array<ExtensionPoints[K]> {
    return (this.provided.get(point) ?? []).map((c) => c.impl as ExtensionPoints[K]);
  }

  /** The one contribution to a single-provider point, or undefined when no composed module provides it. */
  one<K extends ExtensionPoint>(point: K): ExtensionPoints[K] | undefined {
    const list = this.provided.get(point) ?? [];
    if (list.length > 1) throw new Error(`extension point ${point} has ${list.length} providers (${list.map((c) => c.name).join(', ')}); it takes one`);
    return list[0]?.impl as ExtensionPoints[K] | undefined;
  }

  /** Composes the manifests' contributions (called once, by `services.ts`); a name given twice stops the boot. */
  compose(contributions: readonly ExtensionContribution[], single: readonly ExtensionPoint[]): void {
    for (const c of contributions) {
      const list = this.provided.get(c.point) ?? [];
      if (list.some((p) => p.name === c.name)) throw new Error(`extension ${c.name} is provided twice to ${c.point}`);
      if (single.includes(c.point) && list.length)
        throw new Error(`extension point ${c.point} takes one provider; ${list[0].name} and ${c.name} both provide it`);
      this.provided.set(c.point, [...list, { name: c.name, impl: c.impl }]);
    }
  }
}
