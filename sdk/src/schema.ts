import { Type, type TSchema } from 'typebox';

export { Type };
export type { Static, TSchema, TObject } from 'typebox';

/** JSON Schema keyword that marks a config field as a secret: encrypted at rest, never returned, redacted in logs. */
export const SECRET_KEYWORD = 'x-assay-secret';

/**
 * A write-only string field holding a secret (password, token, key). The API never returns its value and the
 * portal renders it as a write-only input.
 *
 * @example
 * ```ts
 * import { Secret, Type } from '@assay/sdk';
 * const config = Type.Object({ user: Type.String(), password: Secret({ description: 'Database password' }) });
 * ```
 */
export function Secret(options: { description?: string; title?: string } = {}) {
  return Type.String({ ...options, writeOnly: true, [SECRET_KEYWORD]: true });
}

/** True when a (sub)schema was declared with {@link Secret}. */
export function isSecretSchema(schema: TSchema): boolean {
  return (schema as Record<string, unknown>)[SECRET_KEYWORD] === true;
}

/**
 * Form hints kept beside a config schema (never inside it), so the schema stays plain JSON Schema.
 * Field names are top-level property names of the config object; nested fields use dotted paths (`write.key`).
 */
export interface UiHints {
  /** Field order in the form; fields not listed follow in schema order. */
  order?: string[];
  /** Wizard steps or sections. */
  groups?: Array<{ title: string; fields: string[]; description?: string }>;
  /** Show a field only when another field has one of the given values: `{ key: { 'write.mode': ['merge'] } }`. */
  show?: Record<string, Record<string, unknown[]>>;
  /**
   * Input widget per field. Check configs also say what their SQL and patterns are, so pipeline validation can judge
   * them before a run: `sql-predicate` (one expression over a row), `sql-aggregate` (an aggregate over the rows),
   * `regex` (an RE2 pattern). `dataset`, `connection` and `column(s)` offer the workspace's datasets, connections
   * and the inputs' columns as suggestions.
   */
  widgets?: Record<
    string,
    | 'text'
    | 'textarea'
    | 'sql'
    | 'sql-predicate'
    | 'sql-aggregate'
    | 'regex'
    | 'code'
    | 'password'
    | 'dataset'
    | 'connection'
    | 'column'
    | 'columns'
  >;
  /** Placeholder text per field. */
  placeholders?: Record<string, string>;
  /** Help text shown under a field. */
  help?: Record<string, string>;
}

/** Dotted paths of every property a config schema declares, descending into nested objects. */
export function schemaFieldPaths(schema: TSchema, prefix = ''): string[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (properties === undefined) return [];
  return Object.entries(properties).flatMap(([name, child]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    return [path, ...schemaFieldPaths(child, path)];
  });
}
