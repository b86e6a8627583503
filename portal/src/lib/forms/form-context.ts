import { getContext, setContext } from 'svelte';
import { formatPath, type Path, type UiHints } from './json-schema.ts';

/** What every field of one SchemaForm shares: the value being edited, the hints, and the errors to show. */
export interface FormContext {
  readonly root: Record<string, unknown>;
  readonly ui: UiHints | undefined;
  /** Values to offer for fields with a `dataset`, `connection` or `column` widget. */
  readonly suggestions: Suggestions;
  get(path: Path): unknown;
  set(path: Path, value: unknown): void;
  /** The error to show at a path now: the server's until the field changes, then the form's own once touched. */
  errorAt(path: Path): string | undefined;
  touch(path: Path): void;
  idOf(path: Path, suffix?: string): string;
}

export interface Suggestions {
  dataset?: readonly string[];
  connection?: readonly string[];
  column?: readonly string[];
}

const KEY = Symbol('schema-form');

export const provideForm = (form: FormContext): FormContext => setContext(KEY, form);
export const useForm = (): FormContext => getContext<FormContext>(KEY);

/** An id safe for HTML attributes and CSS selectors: `cfg-write-key`, `cfg-measures-0--name`. */
export function fieldId(prefix: string, path: Path, suffix = ''): string {
  const key = formatPath(path).replace(/[^A-Za-z0-9_-]/g, '-');
  return `${prefix}-${key === '' ? 'root' : key}${suffix === '' ? '' : `-${suffix}`}`;
}
