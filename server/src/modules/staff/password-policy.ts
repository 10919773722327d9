import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { AppError } from '../../shared/app-error.js';

/**
 * Staff passwords must resist guessing: zxcvbn (the @zxcvbn-ts port) estimates how many guesses a
 * password takes, from common-password and word lists, keyboard patterns, dates and repeats, and the
 * person's own username and name. Scores run 0–4; below 3 ("safely unguessable": about 10^8 guesses,
 * enough against an online attack slowed by the sign-in limits) is refused. `12345678`, `demo1234`
 * and `password-123` are refused; a few unrelated words with a number pass.
 */
export const MIN_PASSWORD_SCORE = 3;

let factory: ZxcvbnFactory | undefined; // built on first use: loading the word lists takes ~100 ms

export function checkStaffPassword(password: string, personal: Array<string | undefined>): void {
  factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  const result = factory.check(
    password.slice(0, 100),
    personal.filter((s): s is string => !!s),
  );
  if (result.score < MIN_PASSWORD_SCORE) {
    throw new AppError(
      'STAFF_WEAK_PASSWORD',
      'password: too easy to guess; use a longer one, e.g. three or four unrelated words with a number, not containing the username or name',
      {
        status: 400,
        details: { field: 'password', score: result.score, minScore: MIN_PASSWORD_SCORE },
      },
    );
  }
}
