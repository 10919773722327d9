// The package exposes CongoDB only by deep path.
import { QueryEngine, UpdateEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { isEqual, typeOf } from 'mingo/util';

/**
 * `$pull` decides which array elements to remove as MongoDB's PullNode does
 * (src/mongo/db/update/pull_node.cpp; manual: reference/operator/update/pull, "applies the
 * <condition> as if each array element were a document in a collection"):
 *
 * - a document whose first field is not an operator (`{customerId: {$in: ids}}`, `{userId: 'a'}`):
 *   a query, matched against each element that is a document; other elements stay;
 * - a document whose first field is a path operator (`{$in: [...]}`, `{$gte: 4}`) or a regular
 *   expression: the condition of a field holding the element (`{'': element}` against `{'': cond}`);
 * - anything else (a string, a number, an ObjectId, an array): elements equal to it.
 *
 * CongoDB compared a non-operator document field by field with its own equality, so an operator
 * inside it (`{customerId: {$in: ids}}`) matched nothing and the pull silently removed nothing, and it
 * handed a bare operator (`{$in: [...]}`) to mingo as a top-level query, which refuses it.
 */
type Doc = Record<string, unknown>;

// MatchExpressionParser::parsePathAcceptingKeyword (src/mongo/db/matcher/expression_parser.cpp).
const PATH_OPERATORS = new Set([
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$type',
  '$size',
  '$all',
  '$elemMatch',
  '$regex',
  '$options',
  '$mod',
  '$not',
  '$bitsAllSet',
  '$bitsAllClear',
  '$bitsAnySet',
  '$bitsAnyClear',
  '$geoIntersects',
  '$geoWithin',
  '$within',
  '$near',
  '$nearSphere',
  '$maxDistance',
  '$minDistance',
  '$_internalSchemaType',
  '$jsonSchema',
]);

const isDocument = (v: unknown): v is Doc => v !== null && typeof v === 'object' && typeOf(v) === 'object';

/** The element test of one `$pull` condition. */
export function pullMatcher(condition: unknown): (element: unknown) => boolean {
  if (isDocument(condition)) {
    const first = Object.keys(condition)[0];
    if (first === undefined || !PATH_OPERATORS.has(first)) {
      return (element) => isDocument(element) && QueryEngine.matches(element as never, condition as never);
    }
  }
  if (isDocument(condition) || condition instanceof RegExp || typeOf(condition) === 'regexp') {
    const wrapped = { v: condition };
    return (element) => QueryEngine.matches({ v: element } as never, wrapped as never);
  }
  return (element) => isEqual(element as never, condition as never);
}

function applyPull(doc: Doc, fields: Doc): void {
  const engine = UpdateEngine as unknown as { getNestedValue(d: Doc, p: string): unknown };
  for (const [path, condition] of Object.entries(fields)) {
    const arr = engine.getNestedValue(doc, path);
    // A missing field is left alone; anything else but an array (null included) is refused with
    // BadValue, as ArrayCullingNode does.
    if (arr === undefined) continue;
    if (!Array.isArray(arr)) throw Object.assign(new Error(`Cannot apply $pull to a non-array value`), { code: 2 });
    const matches = pullMatcher(condition);
    const remaining = arr.filter((element) => !matches(element));
    if (remaining.length === arr.length) continue;
    arr.length = 0;
    arr.push(...remaining);
  }
}

export function installPullCondition(): void {
  const engine = UpdateEngine as any;
  if (engine.__pullCondition) return;
  engine.__pullCondition = true;
  engine.applyPull = applyPull;
}
