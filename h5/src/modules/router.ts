import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { sidebarRoutes } from '../pages/sidebar/routes';
import { memberRoutes } from '../pages/member/routes';
import { consoleRoutes } from '../pages/console/routes';

/** One router for the three apps; each app's pages load lazily, so the member center stays small. */
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('../pages/HomePage.vue') },
  ...memberRoutes,
  ...sidebarRoutes,
  ...consoleRoutes,
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory('/h5/'), routes });
