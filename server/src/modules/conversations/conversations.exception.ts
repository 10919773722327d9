import { AppError } from '../../shared/app-error.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const ConversationErrorCode = {
  NOT_YOURS: 'CONVERSATION_NOT_YOURS',
  WRONG_STATE: 'CONVERSATION_WRONG_STATE',
  AGENT_UNAVAILABLE: 'CONVERSATION_AGENT_UNAVAILABLE',
  BAD_PATTERN: 'CONVERSATION_BAD_PATTERN',
  CANNED_TITLE_TAKEN: 'CONVERSATION_CANNED_TITLE_TAKEN',
  BAD_SNOOZE: 'CONVERSATION_BAD_SNOOZE',
  COMMAND_LOCKED: 'CONVERSATION_COMMAND_LOCKED',
  COMMAND_WORD_TAKEN: 'CONVERSATION_COMMAND_WORD_TAKEN',
  TEAM_NAME_TAKEN: 'DESK_TEAM_NAME_TAKEN',
  TEAM_MEMBER_UNKNOWN: 'DESK_TEAM_MEMBER_UNKNOWN',
  TEAM_IN_USE: 'DESK_TEAM_IN_USE',
  ROUTING_TEAM_UNKNOWN: 'DESK_ROUTING_TEAM_UNKNOWN',
  BAD_HOURS: 'DESK_BAD_HOURS',
  MENTION_NOT_COLLEAGUE: 'CONVERSATION_MENTION_NOT_COLLEAGUE',
  NOT_FAILED: 'CONVERSATION_MESSAGE_NOT_FAILED',
  ATTACHMENT_TYPE: 'CONVERSATION_ATTACHMENT_TYPE',
  ATTACHMENT_TOO_LARGE: 'CONVERSATION_ATTACHMENT_TOO_LARGE',
} as const satisfies Record<string, ErrorCode>;

export const wrongState = (state: string, wanted: string) =>
  new AppError(ConversationErrorCode.WRONG_STATE, `The conversation is ${state}; ${wanted}`, { status: 409, details: { state } });

export const notYours = () =>
  new AppError(ConversationErrorCode.NOT_YOURS, 'This conversation is assigned to another agent; ask them to transfer it or take it over first', {
    status: 409,
  });

export const notFailed = (delivery?: string | null) =>
  new AppError(ConversationErrorCode.NOT_FAILED, 'Only a message whose delivery failed can be sent again; this one is not failed (refresh to see its state)', {
    status: 409,
    details: { delivery: delivery ?? null },
  });
