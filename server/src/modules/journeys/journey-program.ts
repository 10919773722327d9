import type { JourneyStep } from './journey.schemas.js';

/** The end of the main line or of a branch: the run is done. */
export type ProgramStep = Exclude<JourneyStep, { type: 'condition' }> | (Extract<JourneyStep, { type: 'condition' }> & { noAt?: number }) | { type: 'end' };

/**
 * A journey's steps as the runner executes them: one flat list, so a run's position stays a single
 * number and every step's effect key (`journey:<run>:<index>`) stays stable for the version it runs.
 * The main line comes first and ends with an `end`; then each condition's "no" branch, in order, each
 * ending with an `end`. A condition that does not hold jumps to its branch (`noAt`), or, without one,
 * the run exits as before. Index i < steps.length is main step i, so logs of unbranched journeys read
 * as they always did.
 */
export function toProgram(steps: JourneyStep[]): ProgramStep[] {
  const main: ProgramStep[] = steps.map((s) => (s.type === 'condition' ? { ...s } : s));
  const program: ProgramStep[] = [...main, { type: 'end' }];
  steps.forEach((s, i) => {
    if (s.type !== 'condition' || !s.no?.length) return;
    (program[i] as { noAt?: number }).noAt = program.length;
    program.push(...(s.no as ProgramStep[]), { type: 'end' });
  });
  return program;
}

/** Where a program index sits in the editor's terms: main step n, or step m of main step n's "no" branch (1-based). */
export function placeOf(steps: JourneyStep[], index: number): { step: number; branchStep?: number } {
  if (index < steps.length) return { step: index + 1 };
  let at = steps.length + 1;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.type !== 'condition' || !s.no?.length) continue;
    if (index < at + s.no.length) return { step: i + 1, branchStep: index - at + 1 };
    at += s.no.length + 1;
  }
  return { step: steps.length };
}
