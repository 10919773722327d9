/**
 * Inside WeCom the sidebar goes straight to the chat's customer or group, but only on the first visit
 * of the page load: coming back to the picker from there must not bounce the sales member forward again.
 */
let opened = false;

export function firstChatOpen(): boolean {
  if (opened) return false;
  opened = true;
  return true;
}
