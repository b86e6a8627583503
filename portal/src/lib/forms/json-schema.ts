/**
 * The JSON Schema subset plugin configs use (TypeBox output: object, array, string, number, integer, boolean,
 * const/enum/anyOf, defaults, the secret keyword), read loosely: a third-party plugin may send any valid schema and
 * the form must still render, falling back to a JSON editor for what it does not understand.
 */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  writeOnly?: boolean;
  'x-assay-secret'?: boolean;
}

/** Form hints a plugin keeps beside its schema (the SDK's `UiHints`); paths are dotted property names. */
export interface UiHints {
  order?: string[];
  groups?: Array<{ title: string; fields: string[]; description?: string }>;
  show?: Record<string, Record<string, unknown[]>>;
  widgets?: Record<string, string>;
  placeholders?: Record<string, string>;
  help?: Record<string, string>;
}

/** Where a value sits in the config: property names and array indexes. */
export type Path = ReadonlyArray<string | number>;

/** `measures[0].name`: the form's error keys, and the tail of the server's problem paths. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** The dotted name ui hints use for a path (`write.key`), or undefined inside an array (hints do not reach there). */
export function uiKey(path: Path): string | undefined {
  return path.some((segment) => typeof segment === 'number') ? undefined : path.join('.');
}

/** What kind of input a schema calls for. */
export type FieldKind = 'object' | 'list' | 'table' | 'enum' | 'boolean' | 'number' | 'integer' | 'string' | 'json';

/** The allowed values of an enum-like schema (`enum`, `const`, or an anyOf of consts), else undefined. */
export function enumOptions(schema: JsonSchema): unknown[] | undefined {
  if (schema.enum !== undefined) return schema.enum;
  if (schema.const !== undefined) return [schema.const];
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices !== undefined && choices.length > 0 && choices.every((choice) => choice.const !== undefined)) {
    return choices.map((choice) => choice.const);
  }
  return undefined;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== 'null');
  return schema.type;
}

const isPrimitive = (schema: JsonSchema | undefined): boolean =>
  schema !== undefined && kindOf(schema) !== 'json' && kindOf(schema) !== 'object' && !isArrayKind(kindOf(schema));
const isArrayKind = (kind: FieldKind) => kind === 'list' || kind === 'table';

export function kindOf(schema: JsonSchema): FieldKind {
  if (enumOptions(schema) !== undefined) return 'enum';
  switch (typeOf(schema)) {
    case 'object':
      return schema.properties === undefined ? 'json' : 'object';
    case 'array': {
      const items = schema.items;
      if (items === undefined) return 'json';
      if (isPrimitive(items)) return 'list';
      // A table of rows whose cells are simple values (nested values are edited as JSON in the cell).
      return kindOf(items) === 'object' ? 'table' : 'json';
    }
    case 'boolean':
      return 'boolean';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'json';
  }
}

export const isSecret = (schema: JsonSchema): boolean => schema['x-assay-secret'] === true || schema.writeOnly === true;

/** A value the server holds as a secret reference (`{"$secret": name}`): shown as "set", never as text. */
export const isSecretReference = (value: unknown): value is { $secret: string } =>
  typeof value === 'object' && value !== null && typeof (value as { $secret?: unknown }).$secret === 'string';

/** Words a label spells in capitals. */
const ACRONYMS = new Set(['api', 'ca', 'csv', 'http', 'id', 'json', 'sql', 'ssl', 'uri', 'url']);

/** "partitionBy" → "Partition by", "fiscalYearStartMonth" → "Fiscal year start month", "ssl" → "SSL". */
export function labelOf(name: string, schema: JsonSchema): string {
  if (schema.title !== undefined) return schema.title;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .split(' ')
    .map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word))
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A new config: the schema's defaults, and the required objects created so their defaults apply too. Optional
 * objects without a default stay absent (the form offers to add them).
 */
export function initialValue(schema: JsonSchema): unknown {
  // A copy through JSON: defaults are JSON, and the schema may be a reactive proxy structuredClone refuses.
  if (schema.default !== undefined) return fillDefaults(schema, JSON.parse(JSON.stringify(schema.default)));
  if (kindOf(schema) === 'object') return fillDefaults(schema, {});
  return undefined;
}

/** `value` with the defaults of the properties it lacks filled in (recursively, for objects). */
export function fillDefaults(schema: JsonSchema, value: unknown): unknown {
  if (kindOf(schema) !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (filled[name] === undefined) {
      const initial = child.default !== undefined || required.has(name) ? initialValue(child) : undefined;
      if (initial !== undefined) filled[name] = initial;
    } else {
      filled[name] = fillDefaults(child, filled[name]);
    }
  }
  return filled;
}

export function getAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * Sets (or with undefined, deletes) the value at `path` in place, creating the objects on the way. In place, so a
 * Svelte `$state` root notices the change where it happened.
 */
export function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let current: Record<string | number, unknown> = root;
  for (const [index, segment] of path.entries()) {
    if (index === path.length - 1) {
      if (value === undefined && !Array.isArray(current)) delete current[segment];
      else current[segment] = value;
      return;
    }
    const next = current[segment];
    if (typeof next !== 'object' || next === null) {
      const created = typeof path[index + 1] === 'number' ? [] : {};
      current[segment] = created;
    }
    current = current[segment] as Record<string | number, unknown>;
  }
}
