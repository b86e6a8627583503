import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The installation root: the nearest directory above core whose `node_modules` holds `@assay/core`. Built-in
 * plugins are discovered in its `node_modules/@assay/*`. In the repository that is the workspace root; in an image
 * it is the application directory.
 */
export function resolveAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'node_modules', '@assay', 'core', 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
