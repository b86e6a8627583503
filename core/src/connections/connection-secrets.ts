import { InputError, isSecretSchema, type TSchema } from '@assay/sdk';
import { Value } from 'typebox/value';

/** How a stored connection config refers to an encrypted value in the workspace's secret store. */
export interface SecretReference {
  readonly $secret: string;
}

/** A path into a config object: property names and array indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

export function isSecretReference(value: unknown): value is SecretReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { $secret?: unknown }).$secret === 'string'
  );
}

/**
 * The paths of `value` whose schema is a `Secret()`, descending through properties, array items, records and
 * every variant of a union (a field that is secret in any variant counts as secret: the cautious reading).
 */
export function secretPathsOf(schema: TSchema, value: unknown, path: ConfigPath = []): ConfigPath[] {
  const found = new Map<string, ConfigPath>();
  const walk = (node: TSchema, current: unknown, at: ConfigPath): void => {
    if (isSecretSchema(node)) {
      found.set(JSON.stringify(at), at);
      return;
    }
    const record = node as {
      anyOf?: TSchema[];
      oneOf?: TSchema[];
      allOf?: TSchema[];
      properties?: Record<string, TSchema>;
      items?: TSchema;
      additionalProperties?: TSchema | boolean;
      patternProperties?: Record<string, TSchema>;
    };
    for (const variant of [...(record.anyOf ?? []), ...(record.oneOf ?? []), ...(record.allOf ?? [])]) {
      walk(variant, current, at);
    }
    if (Array.isArray(current)) {
      if (record.items !== undefined) current.forEach((item, index) => walk(record.items!, item, [...at, index]));
      return;
    }
    if (typeof current !== 'object' || current === null) return;
    for (const [key, child] of Object.entries(current)) {
      const declared = record.properties?.[key];
      if (declared !== undefined) walk(declared, child, [...at, key]);
      else if (typeof record.additionalProperties === 'object') walk(record.additionalProperties, child, [...at, key]);
      for (const pattern of Object.values(record.patternProperties ?? {})) walk(pattern, child, [...at, key]);
    }
  };
  walk(schema, value, path);
  return [...found.values()];
}

/** The value at `path`, or undefined. */
export function getAt(value: unknown, path: ConfigPath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A copy of `value` with `path` set to `replacement`. */
export function setAt(value: unknown, path: ConfigPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(value)
    ? [...(value as unknown[])]
    : { ...(value as Record<string, unknown>) };
  (copy as Record<string | number, unknown>)[head!] = setAt(
    (value as Record<string | number, unknown>)[head!],
    rest,
    replacement,
  );
  return copy;
}

/** `auth.password` style text of a path, for messages and secret names. */
export function pathText(path: ConfigPath): string {
  return path.map((key) => String(key)).join('.');
}

/** The secret-store name a connection's own value at `path` is kept under. */
export function ownedSecretName(connection: string, path: ConfigPath): string {
  const field = pathText(path)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '_');
  return `connection.${connection}.${field}`;
}

/** The prefix of every secret a connection owns. */
export function ownedSecretPrefix(connection: string): string {
  return `connection.${connection}.`;
}

/** Refuses a secret field given as anything but a string or a `{ "$secret": name }` reference. */
export function assertSecretValue(value: unknown, path: ConfigPath): void {
  if (typeof value === 'string' || isSecretReference(value)) return;
  throw new InputError(
    `config.${pathText(path)} is a secret: give the value as a string or a reference {"$secret": "<secret name>"}`,
    { code: 'CONNECTION_CONFIG_INVALID', details: { path: `config.${pathText(path)}` } },
  );
}

/**
 * Whether the schema declares a secret at `path` of `config`, choosing union variants by the values `config`
 * holds: `{kind: 'none'}` does not declare the `password` its `basic` sibling variant has.
 */
export function declaresSecretAt(schema: TSchema, config: unknown, path: ConfigPath): boolean {
  let nodes = applicable([schema], config);
  let value = config;
  for (const key of path) {
    const children: TSchema[] = [];
    for (const node of nodes) {
      const record = node as { properties?: Record<string, TSchema>; items?: TSchema; additionalProperties?: unknown };
      const child =
        typeof key === 'number'
          ? record.items
          : (record.properties?.[key] ??
            (typeof record.additionalProperties === 'object' ? (record.additionalProperties as TSchema) : undefined));
      if (child !== undefined) children.push(child);
    }
    value = (value as Record<string | number, unknown> | undefined)?.[key];
    nodes = applicable(children, value);
  }
  return nodes.some(isSecretSchema);
}

/** The schemas that apply to `value`: union members it matches (all of them when it matches none). */
function applicable(nodes: readonly TSchema[], value: unknown): TSchema[] {
  return nodes.flatMap((node) => {
    const variants = (node as { anyOf?: TSchema[]; oneOf?: TSchema[] }).anyOf ?? (node as { oneOf?: TSchema[] }).oneOf;
    if (variants === undefined) return [node];
    const matching = variants.filter((variant) => Value.Check(variant, value));
    return applicable(matching.length > 0 ? matching : variants, value);
  });
}
