/**
 * The property tests compare the embedded server's own code with CongoDB's on random input. `npm test`
 * runs them at a third of their full depth (their seeds are fixed, so a run is repeatable);
 * `EMBEDDED_DEEP=1` runs them in full, as after a change to the embedded server.
 */
export const deep = process.env.EMBEDDED_DEEP === '1';
export const runs = (full: number): number => (deep ? full : Math.ceil(full / 3));
