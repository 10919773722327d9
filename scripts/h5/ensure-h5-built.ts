import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds h5/ with Vite when h5/dist is missing or older than any source, so `npm start` and the
 * browser tests always serve the pages as they are in the checkout. Returns whether it built.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const H5 = path.join(ROOT, 'h5');

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

export function ensureH5Built(): boolean {
  let built = 0;
  try {
    built = statSync(path.join(H5, 'dist', 'index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(newestMtime(path.join(H5, 'src')), newestMtime(path.join(H5, 'index.html')), newestMtime(path.join(H5, 'vite.config.ts')));
  if (built >= sources) return false;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(H5, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  return true;
}
