import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { DocumentProblem } from './document-problem.ts';
import { parsePath } from './document-path.ts';
import { findJsonSyntaxError, lineColumn } from './json-syntax.ts';

/** A 1-based position in a document file. */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** Finds the position of a path (`spec.jobs[2].config`) in the text; its nearest existing ancestor when missing. */
export type Locate = (path: string) => SourceLocation | undefined;

/** One document of a file, before its kind and schema are checked. */
export interface SourceDocument {
  readonly value: unknown;
  /** 0-based position among the file's non-empty documents. */
  readonly index: number;
  readonly locate: Locate;
}

/** A file as read from disk or received from a client. */
export interface DocumentFile {
  readonly path: string;
  readonly text: string;
}

const SYNTAX = 'DOCUMENT_SYNTAX_INVALID';

/**
 * Parses one file into its documents: JSON when the name ends in `.json`, otherwise YAML with `---` separated
 * documents (empty ones skipped). Syntax errors come back as `DOCUMENT_SYNTAX_INVALID` problems with line and
 * column; documents the parser could still read are returned alongside them, so callers can report their
 * problems too.
 */
export function parseSource(file: DocumentFile): { documents: SourceDocument[]; problems: DocumentProblem[] } {
  // Editors on Windows save a byte-order mark, which neither JSON.parse nor a YAML key expects.
  const text = file.text.startsWith('\uFEFF') ? file.text.slice(1) : file.text;
  return /\.json$/i.test(file.path) ? parseJson(file.path, text) : parseYaml(file.path, text);
}

function parseYaml(path: string, text: string): { documents: SourceDocument[]; problems: DocumentProblem[] } {
  const lines = new LineCounter();
  const documents: SourceDocument[] = [];
  const problems: DocumentProblem[] = [];
  for (const document of parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true })) {
    // One mistake often makes the parser report several; the first is the one to fix.
    const [error] = document.errors;
    if (error !== undefined) {
      const position = error.linePos?.[0];
      problems.push({
        code: SYNTAX,
        message: `YAML syntax error: ${yamlReason(error.message)}`,
        path: '',
        file: path,
        line: position?.line,
        column: position?.col,
      });
      continue;
    }
    if (isEmpty(document.contents)) continue;
    const locate = yamlLocator(document, lines);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // The alias limit stops "billion laughs" documents; the message says which alias.
      problems.push({
        code: SYNTAX,
        message: `YAML: ${(error as Error).message}`,
        path: '',
        file: path,
        ...locate(''),
      });
      continue;
    }
    documents.push({ value, index: documents.length, locate });
  }
  return { documents, problems };
}

function parseJson(path: string, text: string): { documents: SourceDocument[]; problems: DocumentProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const found = findJsonSyntaxError(text);
    const where = found === undefined ? { line: 1, column: 1 } : lineColumn(text, found.offset);
    const reason = found?.reason ?? (error as Error).message;
    return {
      documents: [],
      problems: [{ code: SYNTAX, message: `JSON syntax error: ${reason}`, path: '', file: path, ...where }],
    };
  }
  // JSON is YAML's flow style, so the YAML parser gives the node positions JSON.parse does not.
  const lines = new LineCounter();
  const source = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const duplicate = source.errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (duplicate !== undefined) {
    // JSON.parse keeps the last of two equal keys without a word; a document that says two things is refused.
    const position = duplicate.linePos?.[0];
    const message = 'JSON: a key appears twice in one object; keep one';
    return {
      documents: [],
      problems: [{ code: SYNTAX, message, path: '', file: path, line: position?.line, column: position?.col }],
    };
  }
  return { documents: [{ value, index: 0, locate: yamlLocator(source, lines) }], problems: [] };
}

/** A document with nothing but comments, or nothing at all (an explicit `~` or `null` is a value). */
function isEmpty(contents: unknown): boolean {
  return contents === null || (isScalar(contents) && contents.value === null && contents.source === '');
}

/** The first line of a YAML error without the position the problem carries separately. */
function yamlReason(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlLocator(document: Document, lines: LineCounter): Locate {
  return (path) => {
    const segments = parsePath(path);
    if (segments === undefined) return undefined;
    let node: unknown = document.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? document.range?.[0] ?? 0;
    for (const segment of segments) {
      if (isAlias(node)) node = node.resolve(document);
      let next: { at: number | undefined; node: unknown } | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair !== undefined) next = { at: (pair.key as YamlNode).range?.[0], node: pair.value };
      } else if (isSeq(node)) {
        const item =
          typeof segment === 'number'
            ? node.items[segment]
            : node.items.find((candidate) => isMap(candidate) && candidate.get('id') === segment);
        if (item !== undefined) next = { at: (item as YamlNode).range?.[0], node: item };
      }
      if (next === undefined) break;
      offset = next.at ?? offset;
      node = next.node;
    }
    const position = lines.linePos(offset);
    return { line: position.line, column: position.col };
  };
}
