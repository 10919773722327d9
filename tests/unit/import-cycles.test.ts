import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of server/src, type-only imports included: a cycle through the service container
 * means a module reaches the whole container to get one function (the customer visibility policy once
 * lived in customer.routes.ts, which the WeCom sidebar imported while the container built the WeCom
 * adapter). Modules depend on what they declare, never back on the container that composes them.
 */
const root = path.resolve('server/src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__tests__' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const deps = sf.statements.flatMap((st) => {
      if (!(ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) return [];
      const spec = st.moduleSpecifier.text;
      return spec.startsWith('.') ? [path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))] : [];
    });
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(path.relative(root, w));
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('server import graph', () => {
  const found = cycles(importGraph());

  it('has no import cycle through the service container', () => {
    expect(found.filter((c) => c.includes('services.ts'))).toEqual([]);
  });

  it('has no import cycle between folders (a module, an adapter, the jobs registry)', () => {
    expect(found.filter((c) => new Set(c.map((f) => path.dirname(f))).size > 1)).toEqual([]);
  });

  it('gives modules and adapters the APIs they declare, never the whole Services bag', () => {
    const graph = importGraph();
    const container = path.join(root, 'services.ts');
    const reaching = [...graph]
      .filter(([f, deps]) => /^(modules|wecom|wechat)\//.test(path.relative(root, f)) && deps.includes(container))
      .map(([f]) => path.relative(root, f));
    expect(reaching).toEqual([]);
  });

  it('keeps WeCom business parts in modules that provide to the adapter, never imported back by it', () => {
    const graph = importGraph();
    const rel = (f: string) => path.relative(root, f);
    // Built on the adapter (its client a port); they provide its extension points and callback handlers.
    const onAdapter = new Set(['modules/contact-ways', 'modules/customer-groups', 'modules/wecom-transfers', 'modules/wechat-kf']);
    for (const m of onAdapter) expect(fs.existsSync(path.join(root, m))).toBe(true);
    const back = [...graph]
      .filter(([f]) => rel(f).startsWith('wecom/'))
      .flatMap(([f, deps]) => deps.filter((d) => onAdapter.has(path.dirname(rel(d)))).map((d) => `${rel(f)} -> ${rel(d)}`));
    expect(back).toEqual([]);
    // The adapter's own collections: callbacks, contact relations, sync runs and tag operations.
    const models = sourceFiles(path.join(root, 'wecom'))
      .filter((f) => /mongoose\.model\(/.test(fs.readFileSync(f, 'utf8')))
      .map(rel)
      .sort();
    expect(models).toEqual(['wecom/external-contact.model.ts', 'wecom/wecom-callback.model.ts', 'wecom/wecom-sync.model.ts']);
  });

  it('lets no module register itself into another after construction (extension points, not useX setters)', () => {
    // A setter called from another module's createX made the wiring depend on construction order and
    // hid it from the manifests; what a core calls an optional module for is an extension point the
    // module's manifest `provides` (shared/extensions.ts), composed by services.ts.
    const setters = sourceFiles(root).flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/^\s+(async\s+)?use[A-Z]\w*\s*\(|\.use[A-Z]\w*\s*\(/.test(line) ? [`${path.relative(root, f)}:${i + 1}`] : [])),
    );
    expect(setters).toEqual([]);
    // Nor does a createX hand another module a callback at construction (callbacks.handle, onUpdated…).
    const portCalls = sourceFiles(root)
      .filter((f) => f.endsWith('.module.ts'))
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (/\bports\.[\w.]+\(/.test(line) ? [`${path.relative(root, f)}:${i + 1}`] : [])),
      );
    expect(portCalls).toEqual([]);
  });

  it("lets no module read another module's collections: it asks the owner's API, by purpose", () => {
    // A module (or adapter) that imports another's mongoose model couples to its schema and indexes and
    // bypasses its rules; the owner answers instead (customers.audience for segments, wecom.follows
    // for channel codes and transfers, groups.ownedBy for group transfers, miniapp.consents…).
    const owner = (rel: string) => rel.match(/^(modules\/[^/]+|wecom|wechat)\//)?.[1];
    const allowed: Array<{ from: string; model: string; reason: string }> = [];
    const crossing = [...importGraph()].flatMap(([f, deps]) => {
      const from = path.relative(root, f);
      return deps
        .map((d) => path.relative(root, d))
        .filter((d) => d.endsWith('.model.ts') && owner(from) && owner(d) && owner(d) !== owner(from))
        .filter((d) => !allowed.some((a) => a.from === from && a.model === d))
        .map((d) => `${from} -> ${d}`);
    });
    expect(crossing).toEqual([]);
  });

  it('declares every shopper sign-in route in the shopper-auth module alone', () => {
    const declaring = sourceFiles(root)
      .filter((f) => /new ApiRouter\('\/api\/v1\/auth[/']/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f));
    expect(declaring).toEqual(['modules/shopper-auth/shopper-auth.routes.ts']);
  });

  it('keeps the customer visibility policy out of every cycle, so any module or adapter can import it', () => {
    expect(found.filter((c) => c.some((f) => f.startsWith('modules/customers/customer-access')))).toEqual([]);
    const graph = importGraph();
    const importers = [...graph].filter(([, deps]) => deps.some((d) => d.endsWith('customers/customer.routes.ts'))).map(([f]) => path.relative(root, f));
    expect(importers.filter((f) => f !== 'routes.ts' && !f.startsWith('modules/customers/'))).toEqual([]);
  });
});
