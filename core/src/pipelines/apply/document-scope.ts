import type { DocumentProblem } from '../document/document-problem.ts';
import type { AssayDocument } from '../document/pipeline-document.ts';

/** The longest pipeline or connection name the stores keep (the document schema allows longer names). */
const NAME_MAX = 63;

/**
 * What the document schema cannot know: a `metadata.workspace` other than the one applied to
 * (`DOCUMENT_WORKSPACE_MISMATCH`), and a name longer than the stores keep (`PIPELINE_NAME_INVALID`,
 * `CONNECTION_NAME_INVALID`).
 */
export function documentScopeProblems(document: AssayDocument, workspace: string): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const { name, workspace: declared } = document.metadata;
  if (declared !== undefined && declared !== workspace) {
    problems.push({
      code: 'DOCUMENT_WORKSPACE_MISMATCH',
      path: 'metadata.workspace',
      message: `${document.kind} "${name}" belongs to workspace "${declared}", not "${workspace}": apply it there or change metadata.workspace`,
    });
  }
  if (name.length > NAME_MAX) {
    problems.push({
      code: `${document.kind.toUpperCase()}_NAME_INVALID`,
      path: 'metadata.name',
      message: `is ${name.length} characters long; names have at most ${NAME_MAX}`,
    });
  }
  return problems;
}
