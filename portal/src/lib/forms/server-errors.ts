import type { FieldErrors } from './validate.ts';

/** The parts of an API error this module reads (an `ApiError`, or anything shaped like one). */
export interface ErrorWithDetails {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}

/** One problem the server pinned to a place: pipeline saves list many, a config error names one. */
export interface PinnedProblem {
  /** Normalized: `spec.jobs[0].config.write.key` (JSON pointers such as `/body/config/root` are converted). */
  path: string;
  code: string;
  message: string;
}

/**
 * The problems of an API error with their paths: `details.problems[]` (pipeline validation) or one `details.path`
 * (a config or request field). An error without a path yields none: the caller shows it as a whole.
 */
export function problemsOf(error: ErrorWithDetails): PinnedProblem[] {
  const problems = error.details?.problems;
  if (Array.isArray(problems)) {
    return problems.flatMap((problem: unknown) => {
      if (typeof problem !== 'object' || problem === null) return [];
      const { path, code, message } = problem as Record<string, unknown>;
      if (typeof path !== 'string' || typeof message !== 'string') return [];
      return [{ path: normalizePath(path), code: typeof code === 'string' ? code : error.code, message }];
    });
  }
  const path = error.details?.path;
  return typeof path === 'string' ? [{ path: normalizePath(path), code: error.code, message: error.message }] : [];
}

/** `/body/config/items/0/name` and `config.items.0.name` → `config.items[0].name`. */
export function normalizePath(path: string): string {
  if (!path.startsWith('/')) return path.replace(/\.(\d+)(?=[.[]|$)/g, '[$1]');
  const segments = path
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (['body', 'querystring', 'params'].includes(segments[0] ?? '')) segments.shift();
  return segments.reduce(
    (text, segment) => (/^\d+$/.test(segment) ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`),
    '',
  );
}

/**
 * The problems under `prefix` (e.g. `config` or `spec.jobs[2].config`) as a form's field errors, keyed relative to
 * it; `rest` holds the problems elsewhere, which the caller shows beside the form. A message that starts with its
 * own path (`config.root: …`) loses that prefix next to the field.
 */
export function fieldErrorsFrom(
  problems: readonly PinnedProblem[],
  prefix: string,
): { fields: FieldErrors; rest: PinnedProblem[] } {
  const fields: FieldErrors = {};
  const rest: PinnedProblem[] = [];
  for (const problem of problems) {
    const field = relativeTo(problem.path, prefix);
    if (field === undefined || field === '') rest.push(problem);
    else fields[field] ??= stripPathPrefix(problem.message, problem.path);
  }
  return { fields, rest };
}

function relativeTo(path: string, prefix: string): string | undefined {
  if (prefix === '') return path;
  if (path === prefix) return '';
  if (path.startsWith(`${prefix}.`)) return path.slice(prefix.length + 1);
  if (path.startsWith(`${prefix}[`)) return path.slice(prefix.length);
  return undefined;
}

function stripPathPrefix(message: string, path: string): string {
  for (const lead of [`${path}: `, `${path} `]) {
    if (message.startsWith(lead)) return message.charAt(lead.length).toUpperCase() + message.slice(lead.length + 1);
  }
  return message;
}
