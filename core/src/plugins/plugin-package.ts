import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** The facts the loader needs from a plugin package's `package.json`. */
export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute (real) path of the package directory. */
  readonly dir: string;
  /** Absolute path of the module to import, from `exports["."]` or `main`. */
  readonly entry: string;
  /** `assay.role` from package.json; built-in plugins declare `"plugin"`. */
  readonly role: string | undefined;
}

/** The JSON a package.json holds, as far as the loader reads it. */
export interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  exports?: unknown;
  assay?: { role?: unknown };
  dependencies?: Record<string, string>;
}

/** Conditions the platform imports plugins with: the same ones Node's ESM loader uses for `import`. */
const IMPORT_CONDITIONS = ['node', 'import', 'module-sync', 'default'];

/** Reads and parses `<dir>/package.json`; throws a TypeError describing what is wrong. */
export async function readPackageJson(dir: string): Promise<PackageJson> {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) throw new TypeError(`${file} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TypeError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`${file} must hold a JSON object`);
  }
  return parsed as PackageJson;
}

/**
 * Reads a plugin package: name, version and the entry file Node would load for `import '<name>'`.
 * Throws a TypeError naming the problem (missing name or version, no entry, entry outside the package).
 */
export async function readPluginPackage(packageDir: string): Promise<PluginPackage> {
  const json = await readPackageJson(packageDir);
  // Symlinked packages (workspaces, `npm link`) load from their real path, where TypeScript entries can run.
  const dir = await realpath(packageDir);
  if (typeof json.name !== 'string' || json.name === '') throw new TypeError(`${dir}/package.json has no "name"`);
  if (typeof json.version !== 'string' || json.version === '') {
    throw new TypeError(`${dir}/package.json of "${json.name}" has no "version"`);
  }
  const target = entryTarget(json);
  if (target === undefined) {
    const conditions = IMPORT_CONDITIONS.join(', ');
    throw new TypeError(`the "exports" of "${json.name}" have no entry for "." under the conditions ${conditions}`);
  }
  const entry = resolve(dir, target);
  if (entry !== dir && !entry.startsWith(dir + sep)) {
    throw new TypeError(`the entry "${target}" of "${json.name}" points outside its package`);
  }
  if (!existsSync(entry)) throw new TypeError(`the entry "${target}" of "${json.name}" does not exist (${entry})`);
  const role = typeof json.assay?.role === 'string' ? json.assay.role : undefined;
  return { name: json.name, version: json.version, dir, entry, role };
}

/** `exports` wins over `main` (as in Node); without either, Node's default `index.js`. */
function entryTarget(json: PackageJson): string | undefined {
  if (json.exports !== undefined && json.exports !== null) return exportsTarget(json.exports);
  return typeof json.main === 'string' ? json.main : 'index.js';
}

/** The target of the package's root export (`"."`), following conditions the way Node does for `import`. */
function exportsTarget(exports: unknown): string | undefined {
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return conditionalTarget(exports);
  // An exports object either maps subpaths ("." and "./x") or lists conditions for the root; never both.
  const mapsSubpaths = Object.keys(exports).some((key) => key.startsWith('.'));
  return conditionalTarget(mapsSubpaths ? (exports as Record<string, unknown>)['.'] : exports);
}

function conditionalTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const candidate of value) {
      const target = conditionalTarget(candidate);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [condition, nested] of Object.entries(value)) {
    if (!IMPORT_CONDITIONS.includes(condition)) continue;
    const target = conditionalTarget(nested);
    if (target !== undefined) return target;
  }
  return undefined;
}
