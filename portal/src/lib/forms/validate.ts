import {
  enumOptions,
  formatPath,
  isSecretReference,
  kindOf,
  labelOf,
  type JsonSchema,
  type Path,
  type UiHints,
} from './json-schema.ts';
import { isShown } from './ui-layout.ts';

/** Field errors by path (`measures[0].name`), as the form shows them next to their inputs. */
export type FieldErrors = Record<string, string>;

/**
 * Checks a config against its schema the way the server will, so the user sees what is wrong before saving.
 * Hidden fields (ui.show) are not checked: the form drops their values. The server stays the judge; its answer
 * maps onto the same paths ({@link fieldErrorsFrom}).
 */
export function validate(schema: JsonSchema, value: unknown, ui?: UiHints): FieldErrors {
  const errors: FieldErrors = {};
  check(schema, value, [], { ui, root: value, errors });
  return errors;
}

interface Context {
  ui: UiHints | undefined;
  root: unknown;
  errors: FieldErrors;
}

function check(schema: JsonSchema, value: unknown, path: Path, context: Context): void {
  const fail = (message: string) => {
    context.errors[formatPath(path)] ??= message;
  };
  const options = enumOptions(schema);
  if (options !== undefined) {
    if (!options.some((option) => Object.is(option, value))) fail(`Choose one of: ${options.join(', ')}`);
    return;
  }
  switch (kindOf(schema)) {
    case 'object':
      return checkObject(schema, value, path, context, fail);
    case 'list':
    case 'table':
      return checkArray(schema, value, path, context, fail);
    case 'string':
      if (isSecretReference(value)) return;
      if (typeof value !== 'string') return fail('Enter text');
      return checkString(schema, value, fail);
    case 'integer':
    case 'number':
      return checkNumber(schema, value, fail);
    case 'boolean':
      if (typeof value !== 'boolean') fail('Must be yes or no');
      return;
    case 'json':
      return;
  }
}

function checkObject(schema: JsonSchema, value: unknown, path: Path, context: Context, fail: (m: string) => void) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('Must be an object');
  const record = value as Record<string, unknown>;
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childPath = [...path, name];
    if (!isShown(context.ui, childPath, context.root)) continue;
    const childValue = record[name];
    if (childValue === undefined || childValue === '') {
      if (required.has(name)) context.errors[formatPath(childPath)] ??= `${labelOf(name, child)} is required`;
      continue;
    }
    check(child, childValue, childPath, context);
  }
}

function checkArray(schema: JsonSchema, value: unknown, path: Path, context: Context, fail: (m: string) => void) {
  if (!Array.isArray(value)) return fail('Must be a list');
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    return fail(schema.minItems === 1 ? 'Add at least one' : `Add at least ${schema.minItems}`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) return fail(`At most ${schema.maxItems}`);
  if (schema.items !== undefined) value.forEach((item, index) => check(schema.items!, item, [...path, index], context));
}

function checkString(schema: JsonSchema, value: string, fail: (m: string) => void) {
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    return fail(schema.minLength === 1 ? 'Must not be empty' : `At least ${schema.minLength} characters`);
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return fail(`At most ${schema.maxLength} characters`);
  }
  if (schema.pattern !== undefined && !matches(schema.pattern, value)) fail(`Must match ${schema.pattern}`);
}

/** A pattern JavaScript cannot compile (a server-side dialect) is left to the server to judge. */
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}

function checkNumber(schema: JsonSchema, value: unknown, fail: (m: string) => void) {
  if (typeof value !== 'number' || Number.isNaN(value)) return fail('Enter a number');
  if (kindOf(schema) === 'integer' && !Number.isInteger(value)) return fail('Enter a whole number');
  if (schema.minimum !== undefined && value < schema.minimum) return fail(`At least ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) return fail(`At most ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return fail(`More than ${schema.exclusiveMinimum}`);
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    fail(`Less than ${schema.exclusiveMaximum}`);
  }
}
