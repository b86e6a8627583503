import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory for one test; nothing in it or above it has a `node_modules` with the sdk. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `assay-${prefix}-`));
}

/**
 * Writes a plugin package for tests: `package.json` (name, version, `type: module`, `main: index.js`, plus
 * `extra` fields) and `index.js` with the given source. Returns the package directory.
 */
export async function writeTestPlugin(
  dir: string,
  options: { name: string; version?: string; source: string; extra?: Record<string, unknown> },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const manifest = {
    name: options.name,
    version: options.version ?? '1.0.0',
    type: 'module',
    main: 'index.js',
    ...options.extra,
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, 'index.js'), options.source);
  return dir;
}

/** The source of a plugin module that imports the sdk and declares one operator. */
export function pluginSource(options: {
  id: string;
  platform?: string;
  operator?: string;
  exportAs?: 'default' | 'plugin';
}): string {
  const operator = options.operator ?? `${options.id}-op`;
  const declaration = `definePlugin({
  id: '${options.id}',
  platform: '${options.platform ?? '^0.1.0'}',
  operators: [defineOperator({
    type: '${operator}', version: 1, title: 'Op', category: 'utility',
    config: Type.Object({ name: Type.String() }),
    async run() { return {}; },
  })],
})`;
  const exported =
    options.exportAs === 'plugin' ? `export const plugin = ${declaration};` : `export default ${declaration};`;
  return `import { defineOperator, definePlugin, Type } from '@assay/sdk';\n${exported}\n`;
}
