import { z } from 'zod';

type Override = NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'];
const shown = new WeakMap<object, z.ZodType>();

/**
 * `accepted`, published as `shape`: for a part the edge takes loosely and the handler judges itself
 * (a batch's items, refused one by one rather than the whole batch), the document shows what the
 * handler accepts instead of `{}`.
 */
export function documentedAs<T extends z.ZodType>(accepted: T, shape: z.ZodType): T {
  shown.set(accepted, shape);
  return accepted;
}

/** The `override` of z.toJSONSchema (io 'input') that writes a documentedAs part as its shape. */
export const documentedInput: Override = ({ zodSchema, jsonSchema }) => {
  const shape = shown.get(zodSchema);
  if (!shape) return;
  const { $schema: _, ...json } = z.toJSONSchema(shape, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  for (const k of Object.keys(jsonSchema)) delete (jsonSchema as Record<string, unknown>)[k];
  Object.assign(jsonSchema, json);
};
