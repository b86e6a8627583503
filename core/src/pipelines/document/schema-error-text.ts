/** The parts of a TypeBox validation error the messages use. */
export interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * A TypeBox error as a person reads it: `must have at least 1 item`, `must be an integer (got "x")`. `description`
 * is the failing schema's, which explains a pattern better than the regular expression does.
 */
export function describeSchemaError(error: SchemaError, description: string | undefined, value: unknown): string {
  const limit = error.params.limit as number;
  const plural = (noun: string) => `${limit} ${noun}${limit === 1 ? '' : 's'}`;
  switch (error.keyword) {
    case 'type':
      return `must be ${[error.params.type as string | string[]].flat().map(typeName).join(' or ')}${gotValue(value)}`;
    case 'const':
      return `must be ${showValue(error.params.allowedValue)}${gotValue(value)}`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map(showValue).join(', ')}${gotValue(value)}`;
    case 'minItems':
      return `must have at least ${plural('item')}`;
    case 'maxItems':
      return `must have at most ${plural('item')}`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must have at least ${plural('character')}`;
    case 'maxLength':
      return `must have at most ${plural('character')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(error.params.comparison)} ${limit}${gotValue(value)}`;
    case 'pattern':
      return `${description === undefined ? `must match ${String(error.params.pattern)}` : `must be ${description}`}${gotValue(value)}`;
    case 'uniqueItems':
      return `must not repeat an item${gotValue(Array.isArray(value) ? value[(error.params.duplicateItems as number[])[0]!] : undefined)}`;
    case 'format':
      return `must be a valid ${String(error.params.format)}${gotValue(value)}`;
    default:
      return error.message;
  }
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'an integer',
    boolean: 'true or false',
  };
  return names[type] ?? `a ${type}`;
}

/** A value in a message: plain words bare (`csv`), anything else as JSON. */
export function showValue(value: unknown): string {
  return typeof value === 'string' && /^[\w./-]+$/.test(value) ? value : JSON.stringify(value);
}

/** ` (got "Retail")` for a scalar; only the kind of a mapping or list, which is better seen in the file. */
export function gotValue(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return ' (got a list)';
  if (typeof value === 'object' && value !== null) return ' (got a mapping)';
  const text = JSON.stringify(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}…` : text})`;
}
