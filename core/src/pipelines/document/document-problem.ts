import { InputError } from '@assay/sdk';

/**
 * One thing wrong with a document: where (file, line, JSON path as `spec.jobs[2].config.write.key`) and why, with
 * a stable code. Validation collects every problem rather than stopping at the first.
 */
export interface DocumentProblem {
  readonly code: string;
  readonly message: string;
  /** `spec.jobs[2].config.write.key`; empty for the document as a whole. */
  readonly path: string;
  readonly file?: string | undefined;
  /** 1-based, when the document came from a YAML or JSON text. */
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** `file:line: path: message [CODE]`, the one-line form the CLI prints. */
export function formatProblem(problem: DocumentProblem): string {
  const where = [problem.file, problem.line].filter((part) => part !== undefined).join(':');
  const path = problem.path === '' ? '' : `${problem.path}: `;
  return `${where === '' ? '' : `${where}: `}${path}${problem.message} [${problem.code}]`;
}

/**
 * The error a rejected document set raises: 400 with the first problem's code (`PIPELINE_CYCLE`, …) and every
 * problem in `details.problems`, so API clients and the CLI can show them all.
 */
export function documentsInvalid(problems: readonly DocumentProblem[]): InputError {
  const first = problems[0];
  if (first === undefined) throw new TypeError('documentsInvalid needs at least one problem');
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return new InputError(`${formatProblem(first)}${more}`, {
    code: first.code,
    details: { problems },
  });
}
