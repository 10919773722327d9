import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root directory. */
export const ROOT = new URL('../..', import.meta.url).pathname;

/** Every `.ts` file under `dir` (a path below the repository root), unit-test folders left out: for tests that scan the server's source. */
export function sourceFiles(dir: string): string[] {
  const walk = (path: string): string[] =>
    readdirSync(path).flatMap((name) => {
      const child = join(path, name);
      if (statSync(child).isDirectory()) return name === '__tests__' ? [] : walk(child);
      return child.endsWith('.ts') ? [child] : [];
    });
  return walk(join(ROOT, dir));
}
