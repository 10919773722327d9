import type { ErrorCode } from '../../shared/errors/codes.js';
export const PrivacyErrorCode = {
  /** The member center showed an older consent text than the one in force: show the new words first. */
  CONSENT_TEXT_CHANGED: 'PRIVACY_CONSENT_TEXT_CHANGED',
} as const satisfies Record<string, ErrorCode>;
