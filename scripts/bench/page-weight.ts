import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { BUNDLE_REPORT, type BundleReport } from '../../h5/build/bundle-report.js';
import { ensureH5Built } from '../h5/ensure-h5-built.js';
import { RESULTS_DIR } from './bench-report.js';

/**
 * `npm run bench -- pages`: what each H5 page costs on its first load. Reads the build the server
 * serves (h5/dist, rebuilt first when a source changed) through the bundle report the build writes
 * (h5/build/bundle-report.ts) and, for the member center, the sidebar and every console page, follows what
 * the browser fetches before the page shows: index.html, the entry chunk and its static imports, the
 * app's chunk (MemberApp, SidebarApp, ConsoleApp) and the page's chunk with theirs (Vite preloads a
 * lazy chunk's static imports with it), and every CSS file those chunks import. Each file is
 * compressed on its own, as served: gzip at zlib's default level and brotli at quality 4 (what
 * koa-compress sends), and brotli at quality 11 (what a build-time `.br` would hold). Fonts and images
 * are not counted. Also lists the npm packages in each page's first load, so a test can hold the
 * member center to "no Element Plus, no ECharts".
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const H5 = join(ROOT, 'h5');

export interface PageWeight {
  app: 'member' | 'sidebar' | 'console';
  /** The route name (member-home, console-dashboard…). */
  page: string;
  files: number;
  raw: number;
  gzip: number;
  br: number;
  br11: number;
  /** npm packages whose modules the first load carries, sorted. */
  packages: string[];
}

interface Route {
  app: PageWeight['app'];
  name: string;
  appComponent: string;
  component: string;
}

/** Every named route with a lazy component, read from the apps' routes.ts (the source of truth). */
export function readRoutes(): Route[] {
  const routes: Route[] = [];
  for (const app of ['member', 'sidebar', 'console'] as const) {
    const src = readFileSync(join(H5, 'src', 'pages', app, 'routes.ts'), 'utf8');
    const appComponent = /component: \(\) => import\('\.\/(\w+App)\.vue'\)/.exec(src)?.[1];
    if (!appComponent) throw new Error(`no app component in h5/src/pages/${app}/routes.ts`);
    const seen = new Set<string>();
    for (const m of src.matchAll(/name: '([\w-]+)', component: \(\) => import\('\.\/(\w+)\.vue'\)/g)) {
      // Two routes on one component (a list and its drawer) load the same files; report the first.
      if (seen.has(m[2])) continue;
      seen.add(m[2]);
      routes.push({ app, name: m[1], appComponent: `src/pages/${app}/${appComponent}.vue`, component: `src/pages/${app}/${m[2]}.vue` });
    }
  }
  return routes;
}

/** The build the server serves (h5/dist, rebuilt first if a source changed) and its bundle report. */
export function readBuild(distDir = join(H5, 'dist')): { report: BundleReport; file: (name: string) => Buffer } {
  ensureH5Built();
  const report = JSON.parse(readFileSync(join(distDir, BUNDLE_REPORT), 'utf8')) as BundleReport;
  return { report, file: (name) => readFileSync(join(distDir, name)) };
}

/** What each page loads first. `sizes: false` lists files and packages only (no compression runs). */
export function pageWeights(build: { report: BundleReport; file: (name: string) => Buffer }, routes: Route[], options: { sizes?: boolean } = {}): PageWeight[] {
  type Chunk = BundleReport['chunks'][number];
  const chunks = new Map<string, Chunk>(build.report.chunks.map((c) => [c.fileName, c]));
  // A component imported lazily by one app and statically by another may sit in a shared chunk, not
  // one of its own: look it up by the modules each chunk holds.
  const bySource = new Map<string, Chunk>();
  for (const c of chunks.values()) for (const src of c.sources) bySource.set(src, c);
  const entry = [...chunks.values()].find((c) => c.isEntry);
  if (!entry) throw new Error('the build has no entry chunk');

  /** A chunk and its static imports, transitively: what the browser fetches (or preloads) with it. */
  const closure = (start: Chunk, into: Set<string>) => {
    const stack = [start.fileName];
    while (stack.length) {
      const f = stack.pop()!;
      if (into.has(f)) continue;
      into.add(f);
      stack.push(...chunks.get(f)!.imports);
    }
  };
  const sizes = new Map<string, { raw: number; gzip: number; br: number; br11: number }>();
  const sizeOf = (file: string) => {
    let s = sizes.get(file);
    if (!s) {
      const body = build.file(file);
      const br = (quality: number) =>
        brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }).length;
      s = options.sizes === false ? { raw: body.length, gzip: 0, br: 0, br11: 0 } : { raw: body.length, gzip: gzipSync(body).length, br: br(4), br11: br(11) };
      sizes.set(file, s);
    }
    return s;
  };

  return routes.map((r) => {
    const js = new Set<string>();
    for (const src of [r.appComponent, r.component]) {
      const c = bySource.get(src);
      if (!c) throw new Error(`no chunk for ${src}`);
      closure(c, js);
    }
    closure(entry, js);
    const css = new Set<string>();
    const packages = new Set<string>();
    for (const f of js) {
      const c = chunks.get(f)!;
      for (const file of c.css) css.add(file);
      for (const p of c.packages) packages.add(p);
    }
    const files = ['index.html', ...js, ...css];
    const total = { raw: 0, gzip: 0, br: 0, br11: 0 };
    for (const f of files) {
      const s = sizeOf(f);
      total.raw += s.raw;
      total.gzip += s.gzip;
      total.br += s.br;
      total.br11 += s.br11;
    }
    return { app: r.app, page: r.name, files: files.length, ...total, packages: [...packages].sort() };
  });
}

const kb = (n: number) => (n / 1024).toFixed(1);

export function markdownTable(weights: PageWeight[]): string {
  const lines = [
    '| page | files | raw KB | gzip KB | brotli KB (q4, served) | brotli KB (q11) | Element Plus | ECharts |',
    '|---|---:|---:|---:|---:|---:|:-:|:-:|',
  ];
  for (const w of weights) {
    const has = (p: string) => (w.packages.includes(p) ? 'yes' : '—');
    lines.push(`| ${w.page} | ${w.files} | ${kb(w.raw)} | ${kb(w.gzip)} | ${kb(w.br)} | ${kb(w.br11)} | ${has('element-plus')} | ${has('echarts')} |`);
  }
  return lines.join('\n');
}

export async function runPageWeight(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const weights = pageWeights(readBuild(), readRoutes());
  if (json) {
    process.stdout.write(`${JSON.stringify(weights)}\n`);
    return;
  }
  console.log(markdownTable(weights));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'pages.json');
  writeFileSync(file, `${JSON.stringify({ scenario: 'pages', weights }, null, 2)}\n`);
  console.log(`written ${file}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runPageWeight(process.argv.slice(2));
