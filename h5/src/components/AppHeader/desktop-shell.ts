import type { InjectionKey } from 'vue';

/** Provided by a desktop shell (the console): pages inside it show their header as a page title, not a phone's nav bar. */
export const DESKTOP_SHELL: InjectionKey<boolean> = Symbol('desktop-shell');
