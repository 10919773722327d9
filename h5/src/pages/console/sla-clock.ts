import { onBeforeUnmount, ref, type Ref } from 'vue';
import { t } from '../../composables/use-i18n';
import type { Conversation } from '../../api/desk';

/**
 * The response clock of a chat waiting for a human: minutes left before its first/next reply is due,
 * or, once breached, how late it is until an agent answers (the server keeps the missed due time as
 * `sla.overdueSince`). The clock ticks here; the server's SLA job warns and escalates on its own.
 */
export function useSlaClock(): { now: Ref<number>; slaText: (c: Pick<Conversation, 'sla'>) => { text: string; late: boolean } | null } {
  const now = ref(Date.now());
  const tick = setInterval(() => (now.value = Date.now()), 15_000);
  onBeforeUnmount(() => clearInterval(tick));
  function slaText(c: Pick<Conversation, 'sla'>) {
    const due = c.sla?.dueAt ?? c.sla?.overdueSince;
    if (!due) return null;
    const minutes = Math.round((Date.parse(due) - now.value) / 60_000);
    return minutes >= 0 ? { text: t('console.slaLeft', { n: minutes }), late: false } : { text: t('console.slaLate', { n: -minutes }), late: true };
  }
  return { now, slaText };
}
