import type { RouteRecordRaw } from 'vue-router';

export const memberRoutes: RouteRecordRaw[] = [];
