// What each H5 page loads first, read from the build the server serves (h5/dist, rebuilt first when a
// source changed) through the bundle report the build writes (h5/build/bundle-report.ts).
import { pageWeights, readBuild, readRoutes, type PageWeight } from '../../scripts/bench/page-weight.js';

const DESKTOP = ['element-plus', 'echarts', 'zrender', 'vue-echarts'];
let pages: PageWeight[];

beforeAll(() => {
  pages = pageWeights(readBuild(), readRoutes(), { sizes: false });
}, 300_000);

test('no page a shopper or a sales member opens on a phone loads Element Plus or ECharts', () => {
  const phone = pages.filter((p) => p.app === 'member' || p.app === 'sidebar');
  expect(phone.map((p) => p.page)).toEqual(expect.arrayContaining(['member-home', 'member-points', 'sidebar-home', 'sidebar-customer']));
  expect(phone.map((p) => [p.page, p.packages.filter((x) => DESKTOP.includes(x))])).toEqual(phone.map((p) => [p.page, []]));
});

test('ECharts loads with the 数据 page only; every console page loads Element Plus', () => {
  const dashboard = pages.find((p) => p.page === 'console-dashboard')!;
  expect(dashboard.packages).toEqual(expect.arrayContaining(['echarts', 'zrender', 'vue-echarts', 'element-plus']));
  const others = pages.filter((p) => p.app === 'console' && p.page !== 'console-dashboard');
  expect(others.length).toBeGreaterThan(10);
  expect(others.filter((p) => p.packages.includes('echarts')).map((p) => p.page)).toEqual([]);
  expect(others.filter((p) => !p.packages.includes('element-plus')).map((p) => p.page)).toEqual([]);
});
