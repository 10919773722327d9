import { t } from '../../composables/use-i18n';
import { hasMessage } from '../../modules/i18n';

/**
 * Why a recipient was (or would be) skipped, or a send failed, in the reader's words. The server names
 * reasons as short codes (`no_wecom_contact`, `placeholder_unfilled:{name}`); known ones are said here,
 * anything else is shown as the server wrote it.
 */
export function reasonWords(reason: string): string {
  const unfilled = /^placeholder_unfilled:(\{\w+\})$/.exec(reason);
  if (unfilled) return t('broadcast.reason.placeholder_unfilled', { p: unfilled[1] });
  const key = `broadcast.reason.${reason}`;
  return hasMessage(key) ? t(key) : reason;
}

/** Why a campaign is waiting (its progress's deferredReason), in words where known. */
export function deferredWords(reason: string): string {
  const key = `broadcast.deferred.${reason}`;
  return hasMessage(key) ? t(key) : reason;
}

/** Channels whose audience is chats (customer groups, bot rooms), not customers. */
export const GROUP_CHANNELS = ['wecom_group_chat', 'bot_room'];
export const CHANNELS = ['wecom_group_msg', 'wecom_group_chat', 'bot_private', 'bot_room'] as const;
export type Channel = (typeof CHANNELS)[number];
