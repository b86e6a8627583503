import type { DocumentProblem } from './document-problem.ts';
import { formatPath, type PathSegment } from './document-path.ts';
import { checkIdOf } from './check-id.ts';
import type { JobCheck } from './pipeline-document.ts';

/**
 * Checks of one job that go by the same id (their own `id`, or the one made from type and columns), reported at
 * each later one: results, incidents and quarantined rows are keyed by the id, so two checks must never share one.
 */
export function duplicateCheckIdProblems(
  checks: readonly JobCheck[],
  base: readonly PathSegment[],
  jobId: string,
): DocumentProblem[] {
  const first = new Map<string, number>();
  const problems: DocumentProblem[] = [];
  checks.forEach((entry, position) => {
    const id = checkIdOf(entry);
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, position);
      return;
    }
    const explicit = typeof entry.id === 'string' && entry.id !== '';
    problems.push({
      code: 'PIPELINE_CHECK_ID_DUPLICATE',
      path: formatPath([...base, position, ...(explicit ? ['id'] : [])]),
      message:
        `job "${jobId}": check id "${id}" is also the id of checks[${earlier}], and results, incidents and ` +
        'quarantined rows are kept by check id: give one of them its own id',
    });
  });
  return problems;
}
