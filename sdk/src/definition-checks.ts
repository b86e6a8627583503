import type { TObject } from 'typebox';
import { schemaFieldPaths, type UiHints } from './schema.ts';

/** kebab-case identifiers: plugin ids, operator and connector types (check types may also be snake_case). */
export const KEBAB_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Throws a TypeError naming `what` when `value` is not kebab-case. */
export function assertKebabId(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !KEBAB_ID.test(value)) {
    throw new TypeError(`${what} ${JSON.stringify(value)} must be kebab-case (a-z, 0-9 and single dashes)`);
  }
}

const SNAKE_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Throws a TypeError naming `what` when `value` is neither kebab-case nor snake_case: check types are written as
 * YAML keys are (`not_null`, `row_count_change`), other ids kebab-case.
 */
export function assertCheckTypeId(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !(KEBAB_ID.test(value) || SNAKE_ID.test(value))) {
    throw new TypeError(`${what} ${JSON.stringify(value)} must be snake_case or kebab-case (a-z, 0-9, _ or -)`);
  }
}

/** Throws a TypeError naming `what` when `value` is not a positive integer. */
export function assertVersion(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `title` is a non-empty string. */
export function assertTitle(what: string, title: unknown): void {
  if (typeof title !== 'string' || title.trim() === '')
    throw new TypeError(`${what}: title must be a non-empty string`);
}

/** Throws unless `schema` is a JSON Schema of type object. */
export function assertObjectSchema(what: string, schema: unknown): void {
  const type = (schema as { type?: unknown } | null)?.type;
  if (typeof schema !== 'object' || schema === null || type !== 'object') {
    throw new TypeError(`${what}: config must be an object schema (Type.Object(...))`);
  }
}

/** Throws when ui hints name fields the config schema does not declare. */
export function assertUiHints(what: string, schema: TObject, ui: UiHints | undefined): void {
  if (ui === undefined) return;
  const known = new Set(schemaFieldPaths(schema));
  const named = [
    ...(ui.order ?? []),
    ...(ui.groups ?? []).flatMap((group) => group.fields),
    ...Object.keys(ui.show ?? {}),
    ...Object.values(ui.show ?? {}).flatMap((condition) => Object.keys(condition)),
    ...Object.keys(ui.widgets ?? {}),
    ...Object.keys(ui.placeholders ?? {}),
    ...Object.keys(ui.help ?? {}),
  ];
  const unknown = [...new Set(named.filter((field) => !known.has(field)))];
  if (unknown.length > 0) {
    throw new TypeError(`${what}: ui hints name fields the config does not declare: ${unknown.join(', ')}`);
  }
}
