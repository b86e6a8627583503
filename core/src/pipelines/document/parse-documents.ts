import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@assay/sdk';
import { checkDocument } from './check-document.ts';
import type { DocumentProblem } from './document-problem.ts';
import { parseSource, type DocumentFile, type Locate, type SourceLocation } from './document-source.ts';
import type { ConnectionDocument, PipelineDocument } from './pipeline-document.ts';

export type { DocumentFile, Locate, SourceLocation };

interface LocatedBase {
  /** The file's path as given to {@link parseDocuments}. */
  readonly file: string;
  /** 0-based position among the non-empty documents of its file. */
  readonly index: number;
  /**
   * The line and column of a path such as `spec.jobs[2].config.sql` (or `spec.jobs[sales_clean]`), or of its
   * nearest existing ancestor, so later stages can place their own problems in the file.
   */
  readonly locate: Locate;
}

/** A valid `kind: Pipeline` document and where it came from. */
export interface LocatedPipeline extends LocatedBase {
  readonly kind: 'Pipeline';
  readonly document: PipelineDocument;
}

/** A valid `kind: Connection` document and where it came from. */
export interface LocatedConnection extends LocatedBase {
  readonly kind: 'Connection';
  readonly document: ConnectionDocument;
}

/** A schema-valid document of a known kind; narrow on `kind` to get its typed `document`. */
export type LocatedDocument = LocatedPipeline | LocatedConnection;

/**
 * Parses and checks a set of files, collecting every problem instead of stopping at the first: syntax errors
 * (`DOCUMENT_SYNTAX_INVALID`, with line and column), documents that are no mapping (`DOCUMENT_INVALID`), an
 * unknown or missing `kind` (`DOCUMENT_KIND_UNKNOWN`), another `apiVersion` (`DOCUMENT_API_VERSION_UNSUPPORTED`),
 * schema violations (`DOCUMENT_INVALID` at `spec.jobs[2].output`) and two documents of one kind and name
 * (`DOCUMENT_DUPLICATE`). `.json` files are JSON, everything else YAML with `---` between documents.
 *
 * `documents` holds only documents that passed; a file with a syntax error contributes none, though problems of
 * its other documents are still reported. Problems are sorted by file (in the order given), then line.
 *
 * @example
 * ```ts
 * const { documents, problems } = parseDocuments(await readDocumentFiles('pipelines/'));
 * if (problems.length > 0) throw documentsInvalid(problems);
 * ```
 */
export function parseDocuments(files: readonly DocumentFile[]): {
  documents: LocatedDocument[];
  problems: DocumentProblem[];
} {
  const documents: LocatedDocument[] = [];
  const problems: DocumentProblem[] = [];
  for (const file of files) {
    const source = parseSource(file);
    problems.push(...source.problems);
    for (const { value, index, locate } of source.documents) {
      const checked = checkDocument(value);
      problems.push(...locateProblems(checked.problems, { file: file.path, locate }));
      if (checked.kind === undefined || source.problems.length > 0) continue;
      const base = { file: file.path, index, locate };
      documents.push(
        checked.kind === 'Pipeline'
          ? { ...base, kind: 'Pipeline', document: value as PipelineDocument }
          : { ...base, kind: 'Connection', document: value as ConnectionDocument },
      );
    }
  }
  problems.push(...duplicates(documents));
  const order = new Map(files.map((file, position) => [file.path, position]));
  const rank = (problem: DocumentProblem) => order.get(problem.file ?? '') ?? files.length;
  problems.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { documents, problems };
}

/**
 * Places path-only problems (from {@link validatePipeline} and friends) in the document's file: fills `file`,
 * `line` and `column` where a problem has no line yet.
 */
export function locateProblems(
  problems: readonly DocumentProblem[],
  document: { readonly file: string; readonly locate: Locate },
): DocumentProblem[] {
  return problems.map((problem) => {
    if (problem.line !== undefined) return problem;
    const position = document.locate(problem.path);
    return { ...problem, file: problem.file ?? document.file, line: position?.line, column: position?.column };
  });
}

function duplicates(documents: readonly LocatedDocument[]): DocumentProblem[] {
  const seen = new Map<string, { file: string; line: number | undefined }>();
  const problems: DocumentProblem[] = [];
  for (const located of documents) {
    const name = located.document.metadata.name;
    const key = `${located.kind}\u0000${name}`;
    const here = { file: located.file, line: located.locate('metadata.name')?.line };
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, here);
      continue;
    }
    const where = (at: typeof here) => (at.line === undefined ? at.file : `${at.file}:${at.line}`);
    problems.push({
      code: 'DOCUMENT_DUPLICATE',
      path: 'metadata.name',
      message: `${located.kind} "${name}" is defined twice, in ${where(first)} and ${where(here)}: keep one`,
      file: located.file,
      ...located.locate('metadata.name'),
    });
  }
  return problems;
}

const DOCUMENT_FILE = /\.(ya?ml|json)$/i;

/**
 * Reads what `assay apply -f <target>` names: one file (any extension), or every `*.yaml`, `*.yml` and `*.json`
 * below a directory, sorted by path, skipping dot-directories (`.git`) and `node_modules`. Throws `InputError`
 * `DOCUMENT_PATH_NOT_FOUND` when the target does not exist and `DOCUMENT_NONE_FOUND` for a directory without
 * documents.
 */
export async function readDocumentFiles(target: string): Promise<DocumentFile[]> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error;
    throw new InputError(`${target} does not exist: give a document file or a directory of them`, {
      code: 'DOCUMENT_PATH_NOT_FOUND',
      details: { path: target },
      cause: error,
    });
  });
  if (!info.isDirectory()) return [{ path: target, text: await readFile(target, 'utf8') }];
  const paths = (await listDocumentFiles(target)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (paths.length === 0) {
    throw new InputError(`${target} holds no *.yaml, *.yml or *.json files`, {
      code: 'DOCUMENT_NONE_FOUND',
      details: { path: target },
    });
  }
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })));
}

async function listDocumentFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') found.push(...(await listDocumentFiles(path)));
      continue;
    }
    // A linked file counts; a linked directory is not followed, so a link to a parent cannot loop.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile());
    if (isFile === true && DOCUMENT_FILE.test(entry.name)) found.push(path);
  }
  return found;
}
