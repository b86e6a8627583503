import { AssayError } from '@assay/sdk';
import { formatProblem, type DocumentProblem } from '../pipelines/document/document-problem.ts';

/**
 * Prints the problems of a refused document set one per line (`file:line: path: message [CODE]`) and returns
 * exit code 1; undefined for any other error, which the CLI reports as usual.
 */
export function reportDocumentProblems(
  error: unknown,
  print: (line: string) => void,
  outcome = 'nothing was applied',
): number | undefined {
  if (!(error instanceof AssayError)) return undefined;
  const problems = error.details?.problems;
  if (!Array.isArray(problems) || problems.length === 0) return undefined;
  for (const problem of problems as DocumentProblem[]) print(formatProblem(problem));
  print(`assay: ${problems.length} problem(s); ${outcome} [${error.code}]`);
  return 1;
}
