import { computed, ref, watch, type Ref } from 'vue';

export interface Colleague {
  id: string;
  name: string;
}

/**
 * `@` in the note box: typing `@` (then part of a name) lists the colleagues; choosing one writes
 * `@name ` into the note and remembers whom it names. A name deleted from the text is no longer
 * mentioned, so what is sent is what the note says.
 */
export function useMentionPicker(text: Ref<string>, enabled: () => boolean, load: () => Promise<Array<Colleague & { role?: string }>>, selfId?: string) {
  const colleagues = ref<Colleague[] | null>(null);
  const picked = ref(new Map<string, string>());
  const query = computed(() => (enabled() ? (/(?:^|\s)@([^\s@]*)$/.exec(text.value) ?? [])[1] : undefined));
  watch(query, (q) => {
    // Sales see only their own customers' chats, so a desk note mentioning them would lead nowhere.
    if (q !== undefined && !colleagues.value) void load().then((all) => (colleagues.value = all.filter((c) => c.id !== selfId && c.role !== 'sales')));
  });
  const shown = computed(() => (query.value === undefined ? [] : (colleagues.value ?? []).filter((c) => c.name.includes(query.value!)).slice(0, 8)));
  const visible = computed(() => query.value !== undefined && shown.value.length > 0);
  const index = ref(0);
  watch(query, () => (index.value = 0));
  const pick = (c: Colleague) => {
    text.value = text.value.replace(/@([^\s@]*)$/, `@${c.name} `);
    picked.value.set(c.id, c.name);
  };
  const move = (by: 1 | -1) => (index.value = (index.value + by + shown.value.length) % shown.value.length);
  const pickCurrent = () => pick(shown.value[index.value] ?? shown.value[0]);
  const mentions = () => [...picked.value].filter(([, name]) => text.value.includes(`@${name}`)).map(([id]) => id);
  const reset = () => picked.value.clear();
  return { shown, visible, index, pick, move, pickCurrent, mentions, reset };
}
