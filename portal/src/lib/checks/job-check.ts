import type { JsonSchema, UiHints } from '../forms/json-schema.ts';
import type { FieldErrors } from '../forms/validate.ts';

/** What a failing check does (docs/quality.md, "Actions"); the order is the form's. */
export const CHECK_ACTIONS = ['warn', 'drop', 'quarantine', 'fix', 'fail', 'gate', 'rollback'] as const;
export type CheckAction = (typeof CHECK_ACTIONS)[number];

export type Layer = 'bronze' | 'silver' | 'gold';

/** The keys every job check has besides its type (`check`); all the others are the type's own config. */
export const COMMON_KEYS = ['action', 'id', 'where', 'mostly', 'fix', 'weight'] as const;
type CommonKey = (typeof COMMON_KEYS)[number];

/** A job's check as the pipeline document holds it: `check` names the type, its config sits beside it. */
export type JobCheck = { check: string } & Record<string, unknown>;

/** A check taken apart for the editor: the common keys and the type's config are edited by two forms. */
export interface SplitCheck {
  type: string;
  common: Record<string, unknown>;
  config: Record<string, unknown>;
}

const isCommon = (key: string): key is CommonKey => (COMMON_KEYS as readonly string[]).includes(key);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A check's type, or undefined when it has none (a hand-written document the server has not judged yet). */
export const typeOf = (check: unknown): string | undefined =>
  isRecord(check) && typeof check.check === 'string' && check.check !== '' ? check.check : undefined;

/** Takes a check apart; keys unknown to both halves stay in `config`, so a round trip loses nothing. */
export function splitCheck(check: unknown): SplitCheck {
  const type = typeOf(check);
  if (type === undefined || !isRecord(check)) {
    throw new TypeError(
      `A job check needs its type in "check" (e.g. { check: not_null, column: email }), got ${show(check)}`,
    );
  }
  const common: Record<string, unknown> = {};
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(check)) {
    if (key === 'check' || value === undefined) continue;
    (isCommon(key) ? common : config)[key] = value;
  }
  return { type, common, config };
}

/** The flat check the document holds, without undefined keys (the server then applies its defaults). */
export function joinCheck(type: string, common: Record<string, unknown>, config: Record<string, unknown>): JobCheck {
  const check: JobCheck = { check: type };
  // Config first, common keys last: a common key wins over a config key of the same name.
  for (const [key, value] of Object.entries(config)) if (value !== undefined && key !== 'check') check[key] = value;
  for (const [key, value] of Object.entries(common)) if (value !== undefined && isCommon(key)) check[key] = value;
  return check;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The column(s) a config names, as the quality plugin's checks spell them (`column`, `columns`). */
function columnsOf(check: Record<string, unknown>): string | undefined {
  if (typeof check.column === 'string' && check.column !== '') return check.column;
  if (Array.isArray(check.columns) && check.columns.length > 0) return check.columns.map(String).join(', ');
  return undefined;
}

/** One line for the list: "not_null on email → quarantine", "row_count → default action". */
export function describeCheck(check: unknown): string {
  const type = typeOf(check);
  if (type === undefined || !isRecord(check)) return 'Check without a type';
  const columns = columnsOf(check);
  const mostly = typeof check.mostly === 'number' && check.mostly < 1 ? ` (mostly ${percent(check.mostly)})` : '';
  const action = typeof check.action === 'string' ? check.action : 'default action';
  return `${type}${columns === undefined ? '' : ` on ${columns}`}${mostly} → ${action}`;
}

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10}%`;

/**
 * What the server applies to a check that names no action (core/src/quality/job-checks.ts `defaultAction`): by the
 * layer and the check's kind, which only the compiled check knows, so both are shown.
 */
export function defaultActions(layer: Layer): { row: CheckAction; aggregate: CheckAction } {
  if (layer === 'bronze') return { row: 'quarantine', aggregate: 'warn' };
  if (layer === 'gold') return { row: 'fail', aggregate: 'gate' };
  return { row: 'quarantine', aggregate: 'fail' };
}

/** The sentence next to the action field. */
export function defaultActionText(layer: Layer | undefined): string {
  if (layer === undefined) return 'Left empty, the action depends on the layer of the job’s output.';
  const { row, aggregate } = defaultActions(layer);
  const name = layer.charAt(0).toUpperCase() + layer.slice(1);
  return `Left empty, ${name} applies ${row} to row checks and ${aggregate} to aggregate checks.`;
}

/** The JSON Schema of the common keys, mirroring `JobCheckSchema` of core's pipeline document. */
export const COMMON_CHECK_SCHEMA = {
  type: 'object',
  properties: {
    action: { title: 'Action', enum: [...CHECK_ACTIONS], description: 'What a failure does' },
    id: {
      title: 'Id',
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*([.+][a-z0-9_]+)*$',
      maxLength: 200,
      description: 'Names the check in results and incidents; by default its type and column(s)',
    },
    where: {
      title: 'Where',
      type: 'string',
      minLength: 1,
      description: 'A SQL predicate: only rows for which it holds are checked',
    },
    mostly: {
      title: 'Mostly',
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'The fraction of checked rows that must pass (default 1)',
    },
    fix: {
      title: 'Fix',
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      description:
        'Column → SQL expression that replaces the value in failing rows, as JSON: {"amount": "abs(amount)"}',
    },
    weight: {
      title: 'Weight',
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 100,
      description: "The check's weight in the quality score (default 1)",
    },
  },
} satisfies JsonSchema;

/** The common keys' schema for a layer: Gold never drops or fixes rows, so it does not offer them. */
export function commonSchemaFor(layer: Layer | undefined): JsonSchema {
  if (layer !== 'gold') return COMMON_CHECK_SCHEMA;
  const action = COMMON_CHECK_SCHEMA.properties.action;
  const actions = CHECK_ACTIONS.filter((name) => name !== 'drop' && name !== 'fix');
  return {
    ...COMMON_CHECK_SCHEMA,
    properties: { ...COMMON_CHECK_SCHEMA.properties, action: { ...action, enum: actions } },
  };
}

export const COMMON_CHECK_UI: UiHints = {
  order: ['action', 'fix', 'mostly', 'where', 'id', 'weight'],
  show: { fix: { action: ['fix'] } },
  widgets: { where: 'sql-predicate' },
  placeholders: { where: 'amount IS NOT NULL', id: 'not_null.email' },
};

/**
 * What the server refuses in the common keys that their schema cannot say: `fix` goes with action fix and names at
 * least one column with a non-empty expression.
 */
export function commonProblems(common: Record<string, unknown>): FieldErrors {
  if (common.action !== 'fix') return {};
  const fix = common.fix;
  if (!isRecord(fix) || Object.keys(fix).length === 0) {
    return { fix: 'Action fix needs at least one column → SQL expression, e.g. {"amount": "abs(amount)"}' };
  }
  const bad = Object.entries(fix).find(([, expression]) => typeof expression !== 'string' || expression.trim() === '');
  return bad === undefined ? {} : { fix: `The expression for column "${bad[0]}" must be non-empty SQL text` };
}

/** The common keys as they are saved: a fix only goes with action fix (the form hides it otherwise). */
export function savedCommon(common: Record<string, unknown>): Record<string, unknown> {
  if (common.action === 'fix') return common;
  return Object.fromEntries(Object.entries(common).filter(([key]) => key !== 'fix'));
}

/**
 * The server's errors about one check (keyed relative to the job's `checks`, `[0].column`), split for its two
 * forms; `whole` holds those about the check itself (`[0]`, `[0].check`), which neither form shows.
 */
export function errorsOfCheck(
  errors: FieldErrors,
  index: number,
): { common: FieldErrors; config: FieldErrors; whole: string[] } {
  const prefix = `[${index}]`;
  const common: FieldErrors = {};
  const config: FieldErrors = {};
  const whole: string[] = [];
  for (const [key, message] of Object.entries(errors)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length).replace(/^\./, '');
    if (rest !== '' && !rest.startsWith('[') && rest !== 'check') {
      const head = rest.split(/[.[]/)[0]!;
      (isCommon(head) ? common : config)[rest] = message;
    } else {
      whole.push(message);
    }
  }
  return { common, config, whole };
}

/** The check types whose type, title or description contain every word of the search, in the order given. */
export function searchCheckTypes<T extends { type: string; title: string; description?: string | undefined }>(
  items: T[],
  search: string,
): T[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter((item) => {
    const text = `${item.type} ${item.title} ${item.description ?? ''}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
