import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';
import { MINIAPP } from './support/miniapp-sim.js';

/**
 * The checks WeChat DevTools would fail on, run in CI: every page app.json lists exists with valid
 * JSON and WXML that WeChat's own WXML compiler (wcc, shipped in miniprogram-compiler) accepts, and
 * every Vant tag a page uses is registered.
 */
const require = createRequire(import.meta.url);
const read = (p: string) => readFileSync(path.join(MINIAPP, p), 'utf8');
const app = JSON.parse(read('app.json')) as { pages: string[]; usingComponents: Record<string, string>; sitemapLocation?: string };

test('app.json lists pages, and each has its .js, .json (valid) and .wxml', () => {
  expect(app.pages.length).toBeGreaterThanOrEqual(5);
  for (const page of app.pages) {
    for (const ext of ['js', 'json', 'wxml'])
      expect(existsSync(path.join(MINIAPP, `${page}.${ext}`)) ? `${page}.${ext}` : `missing ${page}.${ext}`).toBe(`${page}.${ext}`);
    expect(() => JSON.parse(read(`${page}.json`))).not.toThrow();
    expect(read(`${page}.js`)).toMatch(/\b(Component|Page)\(\{/);
  }
  if (app.sitemapLocation) expect(() => JSON.parse(read(app.sitemapLocation!))).not.toThrow();
});

test("every page's WXML compiles with WeChat's wcc", () => {
  const compiler = require('miniprogram-compiler');
  const wxmlList = app.pages.map((p) => `${p}.wxml`);
  const code = compiler.wxmlToJs(MINIAPP, { wxmlList }) as string;
  const gwx = new Function(code)();
  for (const page of app.pages) expect(typeof gwx(`${page}.wxml`)).toBe('function');
});

test('a page with a broken tag fails the WXML check (the check can fail)', () => {
  const compiler = require('miniprogram-compiler');
  const dir = path.join(MINIAPP, '..', 'tests', 'miniapp', 'support', 'broken-wxml');
  expect(() => compiler.wxmlToJs(dir, { wxmlList: ['page.wxml'] })).toThrow(/wxml/i);
});

test('every van-* tag used in a page is registered in app.json, from @vant/weapp, which package.json declares', () => {
  const pkg = JSON.parse(read('package.json'));
  expect(pkg.dependencies['@vant/weapp']).toBeTruthy();
  for (const [tag, target] of Object.entries(app.usingComponents)) expect(target).toBe(`@vant/weapp/${tag.replace(/^van-/, '')}/index`);
  for (const page of app.pages) {
    const used = new Set([...read(`${page}.wxml`).matchAll(/<(van-[a-z-]+)/g)].map((m) => m[1]));
    for (const tag of used) expect(`${page}: ${tag} ${tag in app.usingComponents ? 'registered' : 'missing'}`).toBe(`${page}: ${tag} registered`);
  }
});

test('project.config.json is ready for WeChat DevTools', () => {
  const cfg = JSON.parse(read('project.config.json'));
  expect(cfg.compileType).toBe('miniprogram');
  expect(existsSync(path.join(MINIAPP, cfg.miniprogramRoot ?? '.', 'app.json'))).toBe(true);
  expect(readdirSync(MINIAPP)).toEqual(expect.arrayContaining(['app.js', 'app.json', 'app.wxss', 'config.js']));
});

test("the mini-app's JSDoc types check (strict) against WeChat's API typings", () => {
  const file = path.join(MINIAPP, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, MINIAPP);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(MINIAPP, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  expect(parsed.fileNames.length).toBeGreaterThanOrEqual(10);
  expect(problems).toEqual([]);
});
