// The package exposes CongoDB only by deep path.
import { AggregationEngine, QueryEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { compileFilter } from './compiled-filter.js';
import { narrow, type NarrowingWorth } from './equality-index.js';

/**
 * Where CongoDB decides which documents match a filter, decide it with a compiled filter
 * (compiled-filter.ts) after the equality indexes have ruled out what they can (equality-index.ts).
 * A filter outside the compiled subset goes to mingo as before, on the narrowed documents.
 *
 * - `QueryEngine.filter`: find, count, update, delete, findAndModify, and (through it) distinct.
 * - `QueryEngine.findOne` and `QueryEngine.matches` (the `$pull` condition test).
 * - `AggregationEngine.aggregate`: a leading `$match` (the driver's countDocuments is `$match` +
 *   `$group`) is applied here and only the documents it keeps go through the rest of the pipeline.
 */
type Doc = Record<string, unknown>;
type Filter = Record<string, unknown>;

// Collecting and ordering a candidate costs a few times what testing one with a compiled filter
// does; mingo's test costs far more than either.
export const COMPILED_WORTH: NarrowingWorth = (candidates, total) => candidates * 4 <= total;
const MINGO_WORTH: NarrowingWorth = (candidates, total) => candidates < total;

const isEmpty = (filter: unknown) => !filter || Object.keys(filter).length === 0;

/** The documents matching `filter`, in order, or null when the filter is not compiled (mingo decides). */
function compiledMatches(documents: Doc[], filter: Filter): Doc[] | null {
  const test = compileFilter(filter);
  if (!test) return null;
  const candidates = narrow(documents, filter, COMPILED_WORTH);
  const out: Doc[] = [];
  for (let i = 0; i < candidates.length; i++) if (test(candidates[i])) out.push(candidates[i]);
  return out;
}

export function installCompiledMatching(): void {
  const engine = QueryEngine as any;
  if (engine.__compiledMatching) return;
  engine.__compiledMatching = true;

  const filter = engine.filter.bind(QueryEngine);
  engine.filter = (documents: Doc[], f: Filter) => {
    // CongoDB returns the input itself for an empty filter; the input is now the collection's shared
    // array, which that statement's own writes update (collection-snapshots.ts): hand out a copy.
    if (isEmpty(f)) return (filter(documents, f) as Doc[]).slice();
    return compiledMatches(documents, f) ?? filter(narrow(documents, f, MINGO_WORTH), f);
  };

  const findOne = engine.findOne.bind(QueryEngine);
  engine.findOne = (documents: Doc[], f: Filter) => {
    const test = isEmpty(f) ? null : compileFilter(f);
    if (!test) return findOne(isEmpty(f) ? documents : narrow(documents, f, MINGO_WORTH), f);
    for (const doc of narrow(documents, f, COMPILED_WORTH)) if (test(doc)) return doc;
    return null;
  };

  const matches = engine.matches.bind(QueryEngine);
  engine.matches = (document: unknown, f: Filter) => {
    const test = isEmpty(f) ? null : compileFilter(f);
    return test ? test(document) : matches(document, f);
  };

  const aggregation = AggregationEngine as any;
  const aggregate = aggregation.aggregate.bind(AggregationEngine);
  aggregation.aggregate = (documents: Doc[], pipeline: unknown[], options?: { collation?: unknown }) => {
    const match = leadingMatch(pipeline, options);
    if (!match) return aggregate(documents, pipeline, options);
    const rest = pipeline.slice(1);
    const matched = compiledMatches(documents, match);
    // Not compiled: mingo runs the whole pipeline, $match included, on the narrowed documents.
    if (!matched) return aggregate(narrow(documents, match, MINGO_WORTH), pipeline, options);
    const counted = countGroup(rest);
    if (counted) return matched.length ? [{ _id: counted.id, [counted.field]: matched.length }] : [];
    return rest.length ? aggregate(matched, rest, options) : matched;
  };
}

/**
 * `{_id: <number or string>, <field>: {$sum: 1}}` as the only stage left: the driver's countDocuments
 * (`$match` + `$group: {_id: 1, n: {$sum: 1}}`). mingo groups every matched document under the one
 * constant key and sums 1 for each: one group holding the number of matches, none when nothing matched.
 */
function countGroup(rest: unknown[]): { id: number | string; field: string } | null {
  if (rest.length !== 1) return null;
  const stage = rest[0] as Record<string, unknown> | null;
  if (!stage || typeof stage !== 'object' || Object.keys(stage).length !== 1) return null;
  const group = stage.$group as Record<string, unknown> | undefined;
  if (!group || typeof group !== 'object' || Array.isArray(group)) return null;
  const keys = Object.keys(group);
  if (keys.length !== 2 || keys[0] !== '_id') return null;
  const id = group._id;
  if (!((typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && !id.startsWith('$')))) return null;
  const field = keys[1];
  const sum = group[field] as Record<string, unknown> | null;
  if (field.startsWith('$') || field.includes('.') || !sum || typeof sum !== 'object' || Object.keys(sum).length !== 1 || sum.$sum !== 1) return null;
  return { id, field };
}

/**
 * The filter of a pipeline's first stage when it is a plain `$match` whose removal changes nothing
 * else mingo checks (a `$documents` stage must come first, so one later in the pipeline stays an error).
 */
function leadingMatch(pipeline: unknown, options?: { collation?: unknown }): Filter | null {
  if (!Array.isArray(pipeline) || pipeline.length === 0 || options?.collation) return null;
  const first = pipeline[0] as Record<string, unknown> | null;
  if (!first || typeof first !== 'object' || Object.keys(first).length !== 1 || !('$match' in first)) return null;
  const match = first.$match;
  if (!match || typeof match !== 'object' || Array.isArray(match)) return null;
  if (pipeline.some((stage, i) => i > 0 && stage && typeof stage === 'object' && '$documents' in stage)) return null;
  return match as Filter;
}
