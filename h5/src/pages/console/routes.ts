import type { RouteRecordRaw } from 'vue-router';

/** Console sections; each lists the roles that may open it (the server enforces the same rules). */
export const consoleSections = [
  { name: 'console-staff', path: 'staff', roles: ['admin', 'community_manager', 'agent'], title: 'console.staff', icon: 'friends-o' },
  { name: 'console-audit', path: 'audit', roles: ['admin'], title: 'console.audit', icon: 'records-o' },
] as const;

export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '/console',
    component: () => import('./ConsoleApp.vue'),
    children: [
      { path: '', name: 'console-home', redirect: { name: 'console-staff' } },
      { path: 'staff', name: 'console-staff', component: () => import('./StaffPage.vue') },
      { path: 'audit', name: 'console-audit', component: () => import('./AuditPage.vue') },
    ],
  },
];
