import { InputError } from '@assay/sdk';
import type { DocumentProblem } from '../document/document-problem.ts';
import type { DocumentFile } from '../document/parse-documents.ts';

const JSON_DOCUMENT = /^(documents\[\d+\])\.json$/;

/**
 * The files an apply request stands for: its `files` as given, then each of its JSON `documents` as a file
 * `documents[i].json`. InputError `APPLY_EMPTY` when there are none: an empty set would plan nothing, or, with
 * `prune`, the deletion of everything.
 */
export function requestFiles(files: readonly DocumentFile[], documents: readonly unknown[]): DocumentFile[] {
  const all = [
    ...files,
    ...documents.map((document, index) => ({
      path: `documents[${index}].json`,
      text: JSON.stringify(document, null, 2),
    })),
  ];
  if (all.length === 0) {
    throw new InputError('The request holds no documents: send files or documents', { code: 'APPLY_EMPTY' });
  }
  return all;
}

/**
 * Problems of a JSON document the client sent as a value name it `documents[i]` and carry no line: the lines
 * would count in a text the client never saw; the path says where.
 */
export function placeJsonDocuments(problems: readonly DocumentProblem[]): DocumentProblem[] {
  return problems.map((problem) => {
    const match = JSON_DOCUMENT.exec(problem.file ?? '');
    if (match === null) return problem;
    const { line: _line, column: _column, ...rest } = problem;
    return { ...rest, file: match[1]! };
  });
}
