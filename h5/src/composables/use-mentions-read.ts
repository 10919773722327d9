import { ref } from 'vue';

/**
 * Opening a chat reads the notes in it that @mention me (the server does so when it answers the
 * chat's messages). The conversation page bumps this once that answer is in; 提及我 asks its count
 * again then, not after a guessed delay.
 */
export const mentionsRead = ref(0);
