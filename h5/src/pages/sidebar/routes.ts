import type { RouteRecordRaw } from 'vue-router';

export const sidebarRoutes: RouteRecordRaw[] = [
  {
    path: '/sidebar',
    component: () => import('./SidebarApp.vue'),
    children: [
      { path: '', name: 'sidebar-home', component: () => import('./CustomerPicker.vue') },
      { path: 'customers/:id([0-9a-f]{24})', name: 'sidebar-customer', component: () => import('./CustomerPanel.vue') },
      { path: 'groups/:chatId', name: 'sidebar-group', component: () => import('./GroupPanel.vue') },
    ],
  },
];
