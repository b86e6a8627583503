import type { TSchema } from '@assay/sdk';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import { describeSchemaError, gotValue, showValue, type SchemaError } from './schema-error-text.ts';

/** TypeBox stops at 8 errors by default; a document deserves every problem, within reason. */
const MAX_ERRORS = 200;

type SchemaNode = TSchema & {
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  const?: unknown;
  enum?: unknown[];
  description?: string;
};

/**
 * Every way `value` breaks `schema`, as problems with a dotted path below `base` and a message a person can act
 * on: `must have at least 1 item`, `unknown property "foo" (allowed: a, b)`, `must be one of csv, json`. A union
 * is explained through the variant the value was meant to be (its `type` literal, else the closest one).
 */
export function schemaProblems(
  schema: TSchema,
  value: unknown,
  options: { code: string; base?: readonly PathSegment[] },
): DocumentProblem[] {
  const found = new Map<string, DocumentProblem>();
  explain(schema as SchemaNode, value, [...(options.base ?? [])], (at, message) => {
    const path = formatPath(at);
    found.set(`${path}\u0000${message}`, { code: options.code, path, message });
  });
  return [...found.values()];
}

type Report = (at: PathSegment[], message: string) => void;

function explain(schema: SchemaNode, value: unknown, base: PathSegment[], report: Report): void {
  const errors = collectErrors(schema, value);
  const unions = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  const insideUnion = (error: SchemaError) =>
    unions.some((union) => error.schemaPath.startsWith(`${union.schemaPath}/${union.keyword}/`));
  for (const error of errors) {
    if (insideUnion(error)) continue;
    const { segments, target } = follow(value, error.instancePath);
    const at = [...base, ...segments];
    const node = schemaAt(schema, error.schemaPath);
    switch (error.keyword) {
      case 'boolean':
        // `additionalProperties: false` reports each extra key twice; the keyword error below names them.
        if (!error.schemaPath.endsWith('/additionalProperties')) report(at, error.message);
        break;
      case 'anyOf':
      case 'oneOf':
        explainUnion(node, target, at, report, error.message);
        break;
      case 'additionalProperties': {
        const allowed = Object.keys(node?.properties ?? {});
        const hint = allowed.length === 0 ? '' : ` (allowed: ${allowed.join(', ')})`;
        for (const name of error.params.additionalProperties as string[]) {
          report([...at, name], `unknown property "${name}"${hint}`);
        }
        break;
      }
      case 'required':
        for (const name of error.params.requiredProperties as string[]) report([...at, name], 'is required');
        break;
      default:
        report(at, describeSchemaError(error, node?.description, target));
    }
  }
}

function explainUnion(
  union: SchemaNode | undefined,
  value: unknown,
  at: PathSegment[],
  report: Report,
  fallback: string,
): void {
  const variants = union?.anyOf ?? union?.oneOf ?? [];
  const constants = variants.flatMap((variant) => ('const' in variant ? [variant.const] : (variant.enum ?? [])));
  if (variants.length > 0 && variants.every((variant) => 'const' in variant || variant.enum !== undefined)) {
    return report(at, `must be one of ${constants.map(showValue).join(', ')}${gotValue(value)}`);
  }
  const key = discriminator(variants);
  if (key !== undefined && isRecord(value)) {
    const match = variants.find((variant) => variant.properties![key]!.const === value[key]);
    if (match !== undefined) return explain(match, value, at, report);
    const allowed = variants.map((variant) => showValue(variant.properties![key]!.const)).join(', ');
    const reason = value[key] === undefined ? `is required: one of ${allowed}` : `must be one of ${allowed}`;
    return report([...at, key], `${reason}${gotValue(value[key])}`);
  }
  // The variant meant is the one declaring most of the keys written, then the one with the fewest errors.
  const keys = isRecord(value) ? Object.keys(value) : [];
  let closest: { variant: SchemaNode; known: number; count: number } | undefined;
  let passes = false;
  for (const variant of variants) {
    const known = keys.filter((key) => variant.properties?.[key] !== undefined).length;
    const count = collectErrors(variant, value).length;
    passes ||= count === 0;
    if (closest === undefined || known > closest.known || (known === closest.known && count < closest.count)) {
      closest = { variant, known, count };
    }
  }
  // oneOf also fails when a value matches two variants: then no variant has errors of its own to show.
  if (closest === undefined || passes) return report(at, fallback);
  explain(closest.variant, value, at, report);
}

/** A property every variant declares as a literal (`type: new_files`), which names the variant meant. */
function discriminator(variants: readonly SchemaNode[]): string | undefined {
  const first = variants[0]?.properties;
  if (first === undefined) return undefined;
  return Object.keys(first).find((key) => variants.every((variant) => variant.properties?.[key]?.const !== undefined));
}

function collectErrors(schema: TSchema, value: unknown): SchemaError[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ERRORS });
  try {
    return Value.Errors(schema, value) as unknown as SchemaError[];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/** The segments of a JSON pointer (numbers where the value holds a list) and the value they lead to. */
function follow(value: unknown, pointer: string): { segments: PathSegment[]; target: unknown } {
  const segments: PathSegment[] = [];
  let target = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key;
    segments.push(segment);
    target = isRecord(target) || Array.isArray(target) ? (target as Record<PathSegment, unknown>)[segment] : undefined;
  }
  return { segments, target };
}

function schemaAt(schema: SchemaNode, pointer: string): SchemaNode | undefined {
  let node: unknown = schema;
  for (const raw of pointer.replace(/^#/, '').split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as SchemaNode | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
