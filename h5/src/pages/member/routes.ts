import type { RouteRecordRaw } from 'vue-router';

export const memberRoutes: RouteRecordRaw[] = [
  {
    path: '/member',
    component: () => import('./MemberApp.vue'),
    children: [
      { path: '', name: 'member-home', component: () => import('./MemberHome.vue') },
      { path: 'points', name: 'member-points', component: () => import('./PointsPage.vue') },
      { path: 'coupons', name: 'member-coupons', component: () => import('./CouponsPage.vue') },
      { path: 'exchange', name: 'member-exchange', component: () => import('./ExchangePage.vue') },
      { path: 'privacy', name: 'member-privacy', component: () => import('./PrivacyPage.vue') },
      { path: 'tier', name: 'member-tier', component: () => import('./TierPage.vue') },
      { path: 'bind/:token', name: 'member-bind', component: () => import('./BindChatPage.vue') },
    ],
  },
];
