import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '@assay/sdk';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { parseDocument } from 'yaml';
import { envNameFor, readEnv } from './config-env.ts';
import { AssayConfigSchema, type AssayConfig, type AssayConfigInput, type LakeLocation } from './config.schema.ts';

const checkConfig = Compile(AssayConfigSchema);

/** Where to read configuration from. */
export interface LoadConfigOptions {
  /** Path of an `assay.yaml`; must exist when given. Default: `ASSAY_CONFIG`, else `./assay.yaml` if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values that win over file and environment (command-line flags, test settings), as config keys. */
  overrides?: Record<string, unknown>;
}

/**
 * Reads `assay.yaml` (optional) and the environment (which wins), applies defaults and validates the result.
 * Any problem throws an `InputError` with code `CONFIG_INVALID` whose message names the key (or variable) and
 * the reason, so boot stops with one clear line.
 */
export function loadConfig(options: LoadConfigOptions = {}): AssayConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = locateConfigFile(options.file ?? env.ASSAY_CONFIG, cwd);
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fromEnv = readEnv(env);
  const merged = deepMerge(deepMerge(fromFile, fromEnv), options.overrides ?? {});
  const withDefaults = Value.Default(AssayConfigSchema, structuredClone(merged)) as Record<string, unknown>;

  const firstError = checkConfig.Errors(withDefaults)[0];
  if (firstError !== undefined) {
    const path = pointerToPath(firstError.instancePath);
    const envName = envNameFor(path);
    const where =
      envName !== undefined && envName in env ? `${envName} (environment)` : `${path} (${file ?? 'config'})`;
    const got = path === '' ? '' : ` (got ${JSON.stringify(valueAt(withDefaults, path))})`;
    const allowed = (firstError.params as { allowedValues?: unknown[] }).allowedValues;
    const reason = allowed === undefined ? firstError.message : `must be one of ${allowed.join(', ')}`;
    throw configError(`${where}: ${reason}${got}`, { key: path, file });
  }
  const input = withDefaults as AssayConfigInput;
  const home = resolve(cwd, input.home);
  return { ...input, home, lake: parseLake(input.lake ?? resolve(home, 'lake'), cwd), configFile: file };
}

function locateConfigFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit !== undefined && explicit !== '') {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw configError(`config file ${file} does not exist`, { file });
    return file;
  }
  const fallback = resolve(cwd, 'assay.yaml');
  return existsSync(fallback) ? fallback : undefined;
}

function readConfigFile(file: string): Record<string, unknown> {
  const document = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  const problem = document.errors[0];
  if (problem !== undefined) {
    const line = problem.linePos?.[0]?.line;
    throw configError(`${file}${line === undefined ? '' : ` line ${line}`}: ${problem.message.split('\n')[0]}`, {
      file,
    });
  }
  const value: unknown = document.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw configError(`${file}: must be a mapping of settings (port, host, home, ...)`, { file });
  }
  const unknownKey = findUnknownKey(AssayConfigSchema, value as Record<string, unknown>, '');
  if (unknownKey !== undefined) {
    throw configError(`${file}: unknown key "${unknownKey.path}" (known keys: ${unknownKey.known.join(', ')})`, {
      file,
      key: unknownKey.path,
    });
  }
  return value as Record<string, unknown>;
}

/** The first key not declared by a closed object schema, with the keys that are allowed there. */
function findUnknownKey(
  schema: TSchema,
  value: Record<string, unknown>,
  prefix: string,
): { path: string; known: string[] } | undefined {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined || (schema as { additionalProperties?: unknown }).additionalProperties !== false) {
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const childSchema = properties[key];
    if (childSchema === undefined) return { path, known: Object.keys(properties) };
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      const found = findUnknownKey(childSchema, child as Record<string, unknown>, path);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Parses `ASSAY_LAKE`: `s3://bucket/prefix`, `file:///path`, or a plain path (relative to cwd). */
export function parseLake(value: string, cwd: string): LakeLocation {
  if (value.startsWith('s3://')) {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
    if (match === null) {
      throw configError(`lake: "${value}" is not a valid s3://bucket/prefix URL (bucket names are 3-63 chars)`, {
        key: 'lake',
      });
    }
    return { kind: 's3', bucket: match[1]!, prefix: (match[2] ?? '').replace(/\/+$/, '') };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file://')) {
    throw configError(`lake: "${value}" must be a path, file:// or s3:// URL`, { key: 'lake' });
  }
  const path = value.startsWith('file://') ? new URL(value).pathname : value;
  return { kind: 'local', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

function configError(reason: string, details: Record<string, unknown>): InputError {
  return new InputError(`Invalid configuration: ${reason}`, { code: 'CONFIG_INVALID', details });
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    const bothObjects = isPlainObject(current) && isPlainObject(value);
    result[key] = bothObjects ? deepMerge(current, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(root: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), root);
}
