/**
 * How hard the fuzz tests push. `npm test` runs them at a third of their full size: their seeds are
 * fixed, so a run is repeatable, and the full size (FUZZ_DEEP=1) is for a change to validation,
 * parsing or the callbacks, and before a release. The embedded MongoDB's property tests have the same
 * switch (EMBEDDED_DEEP=1, packages/embedded-mongo/tests/runs.ts).
 */
export const deep = process.env.FUZZ_DEEP === '1';
export const depth = (full: number): number => (deep ? full : Math.ceil(full / 3));
