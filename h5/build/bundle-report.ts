import type { Plugin } from 'vite';

/** Where the report lands in the build (beside Vite's own `.vite/` files, not served as a page). */
export const BUNDLE_REPORT = '.vite/bundle-report.json';

export interface BundleReport {
  chunks: Array<{
    fileName: string;
    isEntry: boolean;
    /** Chunks this one imports statically (fetched or preloaded with it). */
    imports: string[];
    /** CSS files this chunk brings. */
    css: string[];
    /** Our own modules in the chunk, relative to h5/ (src/pages/console/ConsoleApp.vue…). */
    sources: string[];
    /** npm packages whose modules the chunk carries, sorted. */
    packages: string[];
  }>;
}

/** The npm package of a module id, or null for our own code. */
export function packageOf(id: string): string | null {
  const i = id.lastIndexOf('/node_modules/');
  if (i < 0) return null;
  const parts = id.slice(i + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * Writes what each chunk of the build holds and imports, so the page-weight bench and its test read
 * the build the server serves instead of building the pages a second time.
 */
export function bundleReport(h5Root: string): Plugin {
  return {
    name: 'scrm-bundle-report',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks: BundleReport['chunks'] = [];
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue;
        const packages = new Set<string>();
        const sources: string[] = [];
        for (const id of out.moduleIds) {
          const pkg = packageOf(id);
          if (pkg) packages.add(pkg);
          else if (id.startsWith(`${h5Root}/`)) sources.push(id.slice(h5Root.length + 1));
        }
        chunks.push({
          fileName: out.fileName,
          isEntry: out.isEntry,
          imports: out.imports,
          css: [...(out.viteMetadata?.importedCss ?? [])],
          sources,
          packages: [...packages].sort(),
        });
      }
      const report: BundleReport = { chunks };
      this.emitFile({ type: 'asset', fileName: BUNDLE_REPORT, source: `${JSON.stringify(report)}\n` });
    },
  };
}
