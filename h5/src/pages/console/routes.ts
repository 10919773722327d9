import type { RouteRecordRaw } from 'vue-router';

/**
 * Console sections and the roles that may open each (admins open all). The server enforces the same
 * rules; this only keeps people from tapping into a page that would answer 403.
 */
export const consoleSections = [
  { name: 'console-inbox', roles: ['agent', 'community_manager'], title: 'console.inbox', icon: 'chat-o' },
  { name: 'console-audience', roles: ['community_manager'], title: 'console.audience', icon: 'cluster-o' },
  { name: 'console-broadcasts', roles: ['community_manager'], title: 'console.broadcasts', icon: 'volume-o' },
  { name: 'console-journeys', roles: ['community_manager'], title: 'console.journeys', icon: 'guide-o' },
  // Sales see their own customers only (the server's visibility policy, customer-access.ts): 我的客户.
  { name: 'console-customers', roles: ['community_manager', 'agent', 'sales'], title: 'console.customers', icon: 'contact-o' },
  { name: 'console-tasks', roles: ['sales', 'agent', 'community_manager'], title: 'console.tasks', icon: 'todo-list-o' },
  { name: 'console-tags', roles: ['community_manager'], title: 'console.tags', icon: 'label-o' },
  { name: 'console-groups', roles: ['community_manager'], title: 'console.groups', icon: 'friends-o' },
  { name: 'console-dashboard', roles: ['community_manager'], title: 'console.dashboard', icon: 'chart-trending-o' },
  { name: 'console-loyalty', roles: ['community_manager'], title: 'console.loyalty', icon: 'gift-card-o' },
  { name: 'console-codes', roles: ['community_manager'], title: 'console.codes', icon: 'qr' },
  { name: 'console-replies', roles: ['agent', 'community_manager'], title: 'console.replies', icon: 'comment-o' },
  { name: 'console-bot', roles: ['community_manager'], title: 'console.bot', icon: 'service-o' },
  { name: 'console-desk-settings', roles: ['community_manager'], title: 'console.deskSettings', icon: 'setting-o' },
  { name: 'console-staff', roles: ['community_manager', 'agent'], title: 'console.staff', icon: 'friends-o' },
  { name: 'console-audit', roles: [], title: 'console.audit', icon: 'records-o' },
] as const;

/** Pages inside a section: a conversation belongs to the inbox, a campaign to broadcasts, a journey to journeys, a customer to 客户. */
export const sectionOf: Record<string, string> = {
  'console-conversation': 'console-inbox',
  'console-broadcast': 'console-broadcasts',
  'console-journey': 'console-journeys',
  'console-customer': 'console-customers',
};

/**
 * The left navigation, grouped by the job at hand (客户, 营销, 客服, 会员, 数据, 设置); a group shows only
 * the sections the role may open, and a group left empty is not shown.
 */
export const navGroups = [
  { key: 'customers', title: 'nav.customers', sections: ['console-customers', 'console-tasks', 'console-tags', 'console-groups'] },
  { key: 'marketing', title: 'nav.marketing', sections: ['console-audience', 'console-broadcasts', 'console-journeys', 'console-codes'] },
  { key: 'service', title: 'nav.service', sections: ['console-inbox', 'console-replies', 'console-bot', 'console-desk-settings'] },
  { key: 'loyalty', title: 'nav.loyalty', sections: ['console-loyalty'] },
  { key: 'data', title: 'nav.data', sections: ['console-dashboard'] },
  { key: 'settings', title: 'nav.settings', sections: ['console-staff', 'console-audit'] },
] as const;

/**
 * Which page instance a route shows: the customer drawer keeps the list under it instead of a new
 * page, and a conversation opens in the inbox's pane without a new inbox (its view, label filter and
 * list stay as the agent left them while they move from chat to chat).
 */
export function pageKey(route: { name?: unknown; params: Record<string, unknown> }): string {
  if (route.name === 'console-customer') return 'console-customers';
  if (route.name === 'console-conversation') return 'console-inbox';
  return String(route.params.id ?? route.name);
}

/** A section's name in the navigation and the top bar: a sales member's 客户 are 我的客户. */
export function sectionTitle(name: string, role: string | undefined): string {
  if (role === 'sales' && name === 'console-customers') return 'console.myCustomers';
  return consoleSections.find((s) => s.name === name)?.title ?? 'console.title';
}

export function mayOpen(role: string | undefined, name: unknown): boolean {
  const section = consoleSections.find((s) => s.name === (sectionOf[String(name)] ?? name));
  if (!section) return true;
  return role === 'admin' || (!!role && (section.roles as readonly string[]).includes(role));
}

export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '/console',
    component: () => import('./ConsoleApp.vue'),
    children: [
      { path: '', name: 'console-home', component: () => import('./ConsoleHome.vue') },
      { path: 'inbox', name: 'console-inbox', component: () => import('./InboxPage.vue') },
      // The conversation opens beside the lists, in the inbox's right pane.
      { path: 'inbox/:id([0-9a-f]{24})', name: 'console-conversation', component: () => import('./InboxPage.vue') },
      { path: 'audience', name: 'console-audience', component: () => import('./AudiencePage.vue') },
      { path: 'broadcasts', name: 'console-broadcasts', component: () => import('./BroadcastsPage.vue') },
      { path: 'broadcasts/:id([0-9a-f]{24})', name: 'console-broadcast', component: () => import('./BroadcastPage.vue') },
      { path: 'journeys', name: 'console-journeys', component: () => import('./JourneysPage.vue') },
      { path: 'journeys/:id([0-9a-f]{24})', name: 'console-journey', component: () => import('./JourneyPage.vue') },
      { path: 'customers', name: 'console-customers', component: () => import('./CustomersPage.vue') },
      // The list with one customer's 360 profile (the one the sidebar shows) open in a drawer.
      { path: 'customers/:id([0-9a-f]{24})', name: 'console-customer', component: () => import('./CustomersPage.vue') },
      { path: 'tasks', name: 'console-tasks', component: () => import('./TasksPage.vue') },
      { path: 'tags', name: 'console-tags', component: () => import('./TagsPage.vue') },
      { path: 'groups', name: 'console-groups', component: () => import('./GroupsPage.vue') },
      { path: 'dashboard', name: 'console-dashboard', component: () => import('./DashboardPage.vue') },
      { path: 'loyalty', name: 'console-loyalty', component: () => import('./LoyaltySettingsPage.vue') },
      { path: 'codes', name: 'console-codes', component: () => import('./ChannelCodesPage.vue') },
      { path: 'replies', name: 'console-replies', component: () => import('./RepliesPage.vue') },
      // 常见问题, 转人工触发词 and 指令: what the bot answers by itself (?tab= keeps the tab).
      { path: 'bot', name: 'console-bot', component: () => import('./BotPage.vue') },
      { path: 'desk-settings', name: 'console-desk-settings', component: () => import('./DeskSettingsPage.vue') },
      { path: 'staff', name: 'console-staff', component: () => import('./StaffPage.vue') },
      { path: 'audit', name: 'console-audit', component: () => import('./AuditPage.vue') },
    ],
  },
];
