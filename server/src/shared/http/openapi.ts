import { z } from 'zod';
import { routeTable, type RouteTableEntry } from './route.js';
import { apiComponents } from './api-schemas.js';
import { documentedErrors, ERROR_MEANINGS } from './route-errors.js';
import { STAFF_ROLES } from './principal.js';
import { documentedInput } from './documented-as.js';

type Json = Record<string, unknown>;
const SCHEMAS = '#/components/schemas/';

export interface OpenApiOptions {
  /** Where the API is served (PUBLIC_URL); the document's own origin when unset. */
  serverUrl?: string;
}

/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas: parameters and bodies from
 * the schemas the routes validate with (io 'input'), success bodies from their `response` schemas (io
 * 'output', shared shapes as components), refusals from route-errors.ts, security from `allow`.
 */
export function openApiDocument(options: OpenApiOptions = {}): Json {
  const outputs = responseSchemas(routeTable);
  const inputs = new InputSchemas(outputs.components);
  const paths: Record<string, Json> = {};
  for (const r of routeTable) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const json = inputs.convert(schema, `${operationId(r)}${where === 'path' ? 'Params' : 'Query'}`) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || !!json.required?.includes(name), schema: s });
      }
    }
    const success = outputs.get(r);
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: operationId(r),
      summary: r.summary,
      tags: r.tags,
      'x-allow': r.allow,
      security: security(r),
      parameters,
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: inputs.convert(r.body, `${operationId(r)}Body`) } } } } : {}),
      responses: {
        [r.status]: success
          ? { description: 'Success', content: { 'application/json': { schema: success } } }
          : r.produces
            ? { description: r.produces.description, content: Object.fromEntries(r.produces.types.map((type) => [type, mediaSchema(type)])) }
            : { description: 'Success (shape not yet documented)' },
        ...Object.fromEntries(documentedErrors(r).map((status) => [status, { $ref: `#/components/responses/E${status}` }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SCRM API',
      version: '1',
      description:
        'Staff sign in at POST /api/v1/auth/login and send the token as `Authorization: Bearer`; shoppers get theirs from the shopper sign-in; shop platforms and integrations send `X-Api-Key` (POST /api/v1/api-keys). Refusals are `{ error: { code, message, details? } }`.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    paths,
    components: {
      schemas: outputs.components,
      securitySchemes: {
        staffBearer: { type: 'http', scheme: 'bearer', description: 'A staff session token from POST /api/v1/auth/login' },
        shopperBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A shopper session token from the shopper sign-in (/api/v1/auth/shopper/*, the mini-app sign-in)',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An integration key (admins create them at POST /api/v1/api-keys)' },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_MEANINGS).map(([status, description]) => [
          `E${status}`,
          {
            description,
            ...(status === '429' ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait' } } } : {}),
            content: { 'application/json': { schema: { $ref: `${SCHEMAS}Error` } } },
          },
        ]),
      ),
    },
  };
}

/** A non-JSON body: text (CSV, an event stream) is a string; anything else is bytes, which OpenAPI 3.1 writes as no schema. */
function mediaSchema(type: string): Json {
  return type.startsWith('text/') ? { schema: { type: 'string' } } : {};
}

/** Who may call it, as OpenAPI security requirements: the credentials the auth middleware accepts for `allow`. */
function security(r: RouteTableEntry): Json[] {
  if (r.allow === 'public') return [];
  const allow = r.allow as readonly string[];
  return [
    ...(allow.some((a) => (STAFF_ROLES as readonly string[]).includes(a)) ? [{ staffBearer: [] }] : []),
    ...(allow.includes('shopper') ? [{ shopperBearer: [] }] : []),
    ...(allow.includes('integration') ? [{ apiKey: [] }] : []),
  ];
}

function operationId(r: RouteTableEntry): string {
  const words = r.path
    .replace(/^\/api\/v1\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return r.method + words.join('');
}

/**
 * Every route's success schema and the named components, converted together (one registry) so a
 * shared shape is written once and referred to by `$ref`. A route's own schema is inlined in its
 * operation unless another schema refers to it, in which case it stays a component.
 */
function responseSchemas(routes: RouteTableEntry[]): Map<RouteTableEntry, Json> & { components: Record<string, Json> } {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of apiComponents._idmap.entries()) registry.add(schema, { id });
  const own = new Map<RouteTableEntry, string>();
  for (const r of routes) {
    if (!r.response) continue;
    const named = registry.get(r.response)?.id;
    if (named) own.set(r, named);
    else {
      const id = `${operationId(r)}Response`;
      registry.add(r.response, { id });
      own.set(r, id);
    }
  }
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => SCHEMAS + id }) as { schemas: Record<string, Json> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  const text = JSON.stringify(schemas);
  const result = new Map<RouteTableEntry, Json>() as Map<RouteTableEntry, Json> & { components: Record<string, Json> };
  const components: Record<string, Json> = {};
  const inlined = new Set<string>();
  for (const [r, id] of own) {
    const referred = apiComponents._idmap.has(id) || text.includes(`"${SCHEMAS}${id}"`);
    result.set(r, referred ? { $ref: SCHEMAS + id } : schemas[id]!);
    if (!referred) inlined.add(id);
  }
  for (const [id, s] of Object.entries(schemas)) if (!inlined.has(id) && id !== '__shared') components[id] = s;
  result.components = components;
  return result;
}

/**
 * Request schemas (io 'input'), one at a time. A recursive one (an audience's nested groups) comes
 * with `$defs` that `#/$defs/…` would resolve against the document's root: they become components
 * named after the operation, and its refs point there.
 */
class InputSchemas {
  constructor(private readonly components: Record<string, Json>) {}

  convert(schema: z.ZodType, name: string): unknown {
    let json: Json;
    try {
      json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: documentedInput }) as Json;
    } catch {
      return {};
    }
    const { $schema: _, $defs, ...root } = json;
    const text = JSON.stringify({ root, defs: $defs ?? {} });
    if (!text.includes('"$ref":"#')) return root;
    const rename = (key: string) => `${name}_${key.replace(/^_+/, '')}`;
    const fixed = JSON.parse(
      text.replace(/"\$ref":"#(?:\/\$defs\/([^"]+))?"/g, (_m, key: string | undefined) => `"$ref":"${SCHEMAS}${key ? rename(key) : name}"`),
    ) as { root: Json; defs: Record<string, Json> };
    for (const [key, def] of Object.entries(fixed.defs)) this.components[rename(key)] = def;
    if (!text.includes('"$ref":"#"')) return fixed.root;
    this.components[name] = fixed.root;
    return { $ref: SCHEMAS + name };
  }
}
