import { toRaw, type InjectionKey, type Ref } from 'vue';
import type { Group, Node } from '../../../components/AudienceBuilder/audience';

/** What every row of the builder needs: the choices to pick from, the tree's root and the server's refusals by row. */
export interface BuilderContext {
  root: Group;
  tags: Ref<Array<{ id: string; name: string; groupName: string }>>;
  tiers: Ref<Array<{ code: string; name: string }>>;
  staff: Ref<Array<{ id: string; name: string }>>;
  /** The refusal shown next to a row, keyed by the row's node. */
  errors: Ref<Map<object, string>>;
  readonly: Ref<boolean>;
}

export const builderKey: InjectionKey<BuilderContext> = Symbol('audience-builder');
export const errorOf = (ctx: BuilderContext, node: Node): string | undefined => ctx.errors.value.get(toRaw(node));

/** How deep groups may nest (the server's MAX_DEPTH; the root is level 1). */
export const MAX_DEPTH = 5;
