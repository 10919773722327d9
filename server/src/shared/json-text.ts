/**
 * A response body that is already JSON text (e.g. a cached member-center read): a route returning one
 * sends it as `application/json` unchanged, instead of parsing it only to serialise it again.
 */
export class JsonText {
  constructor(readonly text: string) {}
}
