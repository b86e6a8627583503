import { createHash } from 'node:crypto';
import { changeText, valueText } from './change-text.ts';
import { appendIdPath, appendPath } from './document-path.ts';

/**
 * Keys that lead wherever they appear, so a document reads top-down (`apiVersion`, `kind`, `metadata`, `spec`) and
 * each job, trigger and check starts with what it is. All other keys follow in code-point order.
 */
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'id', 'name', 'type', 'check', 'operator'];

/** One difference between two versions of a document. */
export interface DocumentChange {
  readonly op: 'add' | 'remove' | 'change';
  /** `spec.jobs[sales_clean].config.sql`: jobs (lists of objects with ids) are named by id, other items by index. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * The document with a stable key order at every level (`apiVersion`, `kind`, `metadata`, `spec`, then `id`, `name`,
 * `type`, `check`, `operator` wherever they appear, then the rest sorted) and `undefined` properties dropped; lists
 * keep their order. Storage, hashing and YAML export all go through it, so equal documents are
 * equal bytes.
 */
export function canonicalDocument<T>(document: T): T {
  return canonical(document) as T;
}

/** sha256 (hex) of the canonical JSON: equal for documents that differ only in key order. */
export function documentHash(document: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalDocument(document)) ?? 'undefined')
    .digest('hex');
}

/**
 * What changed from `before` to `after`, path by path in document order. Lists whose items all carry a string
 * `id` (jobs) are matched by id, so a job inserted in the middle is one `add`, not a change to every later job;
 * a change in their order is one `change` of the list with the ids before and after.
 */
export function diffDocuments(before: unknown, after: unknown): DocumentChange[] {
  const changes: DocumentChange[] = [];
  compare(canonical(before), canonical(after), '', changes);
  return changes;
}

/**
 * The changes as a plan prints them, a line each: `+ spec.jobs[orders]`, `- spec.schedule`,
 * `~ spec.jobs[clean].config.sql: "select 1" → "select 2"`. Scalar values are shown, long ones cut at 60
 * characters; a long string that changed is shown around its first difference. A multi-line string that changed
 * (SQL) is a count line followed by lines of its own, indented: the changed lines (`    - line 3: …`,
 * `    + line 3: …`). `redact` hides the values at paths it accepts (secrets a plan must not print).
 */
export function formatDiff(
  changes: readonly DocumentChange[],
  options: { readonly redact?: (path: string) => boolean } = {},
): string[] {
  return changes.flatMap((change) => {
    const label = change.path === '' ? '(document)' : change.path;
    const hidden = options.redact?.(change.path) === true;
    if (change.op === 'change') {
      if (hidden) return [`~ ${label}: (redacted) → (redacted)`];
      const [summary, ...details] = changeText(change.before, change.after);
      return [`~ ${label}: ${summary}`, ...details];
    }
    const value = change.op === 'add' ? change.after : change.before;
    const detail = isScalar(value) ? `: ${hidden ? '(redacted)' : valueText(value)}` : '';
    return [`${change.op === 'add' ? '+' : '-'} ${label}${detail}`];
  });
}

function compare(before: unknown, after: unknown, path: string, changes: DocumentChange[]): void {
  if (equal(before, after)) return;
  if (before === undefined) changes.push({ op: 'add', path, after });
  else if (after === undefined) changes.push({ op: 'remove', path, before });
  else if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareKeys);
    for (const key of keys) compare(before[key], after[key], appendPath(path, key), changes);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const beforeIds = itemIds(before);
    const afterIds = itemIds(after);
    if (beforeIds !== undefined && afterIds !== undefined)
      compareById(before, after, beforeIds, afterIds, path, changes);
    else {
      for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
        compare(before[index], after[index], appendPath(path, index), changes);
      }
    }
  } else changes.push({ op: 'change', path, before, after });
}

function compareById(
  before: readonly unknown[],
  after: readonly unknown[],
  beforeIds: readonly string[],
  afterIds: readonly string[],
  path: string,
  changes: DocumentChange[],
): void {
  for (const [index, id] of beforeIds.entries()) {
    if (!afterIds.includes(id)) changes.push({ op: 'remove', path: appendIdPath(path, id), before: before[index] });
  }
  for (const [index, id] of afterIds.entries()) {
    const previous = beforeIds.indexOf(id);
    compare(previous < 0 ? undefined : before[previous], after[index], appendIdPath(path, id), changes);
  }
  // Order decides ties in the run order, so a reordering is a change even when every item stayed the same.
  const kept = beforeIds.filter((id) => afterIds.includes(id));
  const keptAfter = afterIds.filter((id) => beforeIds.includes(id));
  if (!equal(kept, keptAfter)) changes.push({ op: 'change', path, before: kept, after: keptAfter });
}

/** The `id` of every item, when each is an object with a distinct string id; undefined otherwise. */
function itemIds(items: readonly unknown[]): string[] | undefined {
  const ids = items.map((item) => (isRecord(item) && typeof item.id === 'string' ? item.id : undefined));
  if (ids.some((id) => id === undefined) || new Set(ids).size !== ids.length) return undefined;
  return ids as string[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  const entries = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort(compareKeys)
    .map((key) => [key, canonical(value[key])] as const);
  return Object.fromEntries(entries);
}

function compareKeys(a: string, b: string): number {
  const rank = (key: string) => {
    const position = LEADING_KEYS.indexOf(key);
    return position < 0 ? LEADING_KEYS.length : position;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Deep equality of canonical JSON values. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && value !== undefined);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
