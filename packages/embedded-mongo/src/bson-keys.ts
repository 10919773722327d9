import { isObjectId } from './filter-values.js';

/**
 * One string per BSON value, equal exactly when MongoDB's index comparison calls two values equal for
 * the types this product stores: numbers by value (1 and 1.0 alike; Int32, Double and Long wrappers
 * too), strings, booleans, dates, ObjectIds, null (and a missing field, which a unique index stores as
 * null), arrays element by element, sub-documents field by field in order. The type prefix keeps a
 * string apart from the ObjectId, number or date it may spell.
 */
export function bsonKey(v: unknown): string {
  if (v === undefined || v === null) return 'z';
  switch (typeof v) {
    case 'number':
      return `n${Object.is(v, -0) ? 0 : v}`;
    case 'bigint':
      return `n${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    case 'boolean':
      return `b${v}`;
    default:
  }
  if (v instanceof Date) return `d${v.getTime()}`;
  if (isObjectId(v)) return `o${v.toString()}`;
  if (Array.isArray(v)) return `[${v.map(bsonKey).join(',')}]`;
  if (v instanceof RegExp) return `r${v.source}/${v.flags}`;
  const bsontype = (v as { _bsontype?: string })._bsontype;
  if (bsontype === 'Int32' || bsontype === 'Double') return bsonKey((v as { value: number }).value);
  if (bsontype === 'Long') return `n${(v as { toString(): string }).toString()}`;
  if (bsontype) return `x${bsontype}${JSON.stringify(v)}`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .map((k) => `${JSON.stringify(k)}:${bsonKey(o[k])}`)
    .join(',')}}`;
}

/**
 * The key a document is stored under in CongoDB's memory storage. CongoDB keys every document by its
 * `_id`'s hex string and so took only ObjectIds; an ObjectId keeps that key (code that looks documents
 * up by hex keeps working), any other `_id` — a string, a number, a sub-document, as MongoDB allows —
 * gets its `bsonKey` behind a character no hex string holds.
 */
export function idKey(id: unknown): string {
  return isObjectId(id) ? id.toString() : `#${bsonKey(id)}`;
}

/** A value as MongoDB prints it in a message (BSONObj::toString): `{ key: "a", id: ObjectId('…') }`. */
export function bsonText(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (isObjectId(v)) return `ObjectId('${v.toString()}')`;
  if (Array.isArray(v)) return v.length ? `[ ${v.map(bsonText).join(', ')} ]` : '[]';
  if (v instanceof RegExp) return String(v);
  const bsontype = (v as { _bsontype?: string })._bsontype;
  if (bsontype) return String(v);
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length ? `{ ${entries.map(([k, x]) => `${k}: ${bsonText(x)}`).join(', ')} }` : '{}';
}
