import type { SecretReference } from '../../connections/connection-secrets.ts';
import { SECRET_NAME_MAX_LENGTH, SECRET_NAME_PATTERN } from '../../secrets/secret-name.ts';
import type { DocumentProblem } from './document-problem.ts';
import { appendPath } from './document-path.ts';

type Piece =
  | { readonly literal: string }
  | { readonly kind: string; readonly name: string; readonly raw: string }
  | { readonly malformed: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN);
const ESCAPE_HINT = 'write $${ for a literal ${';

/**
 * Resolves the references in a document value, as `assay apply` does before sending it: `${env:NAME}` (a whole
 * string or inside one, `postgres://${env:PG_USER}@db/erp`) becomes the variable's value, a whole-string
 * `${secret:name}` becomes `{ "$secret": "name" }` (the reference the connection store keeps), and `$${` is a
 * literal `${`. Values put in are not scanned again. Problems, at `path` and below: `DOCUMENT_ENV_MISSING`,
 * `DOCUMENT_SECRET_REF_INVALID` (embedded in a longer string, or a bad name), `DOCUMENT_REF_UNKNOWN`
 * (`${foo:bar}`) and `DOCUMENT_REF_INVALID` (`${NAME}`, an unclosed `${`). A string with a problem is kept as written.
 *
 * @example
 * ```ts
 * const { value, problems } = resolveEnvReferences(document.spec.config, process.env, 'spec.config');
 * ```
 */
export function resolveEnvReferences(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
): { value: unknown; problems: DocumentProblem[] } {
  const problems: DocumentProblem[] = [];
  const resolved = mapStrings(value, path, (text, at) => {
    const pieces = scan(text);
    const [only] = pieces;
    if (pieces.length === 1 && only !== undefined && 'kind' in only && only.kind === 'secret') {
      const problem = secretNameProblem(only.name, at);
      if (problem === undefined) return { $secret: only.name } satisfies SecretReference;
      problems.push(problem);
      return text;
    }
    let out = '';
    const before = problems.length;
    for (const piece of pieces) {
      if ('literal' in piece) out += piece.literal;
      else if ('malformed' in piece) problems.push(malformed(piece.malformed, at));
      else if (piece.kind === 'env') {
        // Own properties only: `${env:constructor}` must not find Object.prototype.
        const found = Object.hasOwn(env, piece.name) ? env[piece.name] : undefined;
        if (!ENV_NAME.test(piece.name)) problems.push(malformed(piece.raw, at));
        else if (found === undefined) {
          problems.push({
            code: 'DOCUMENT_ENV_MISSING',
            path: at,
            message: `environment variable ${piece.name} is not set (referenced as ${piece.raw}): set it before applying`,
          });
        } else out += found;
      } else if (piece.kind === 'secret') {
        problems.push({
          code: 'DOCUMENT_SECRET_REF_INVALID',
          path: at,
          message: `${piece.raw} must be the whole value: secrets are substituted as whole fields, never inside a longer string`,
        });
      } else {
        problems.push({
          code: 'DOCUMENT_REF_UNKNOWN',
          path: at,
          message: `${piece.raw}: "${piece.kind}" is not a reference kind; use \${env:NAME} or \${secret:name} (${ESCAPE_HINT})`,
        });
      }
    }
    return problems.length > before ? text : out;
  });
  return { value: resolved, problems };
}

/**
 * Every `${env:…}` left in a value, as `DOCUMENT_ENV_UNRESOLVED`. The API refuses these, so a server never pastes
 * its own environment into a document a client sent.
 */
export function findEnvReferences(value: unknown, path: string): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  mapStrings(value, path, (text, at) => {
    for (const piece of scan(text)) {
      if ('kind' in piece && piece.kind === 'env') {
        problems.push({
          code: 'DOCUMENT_ENV_UNRESOLVED',
          path: at,
          message:
            `${piece.raw}: environment references are resolved by the CLI that applies the file (assay apply); ` +
            'through the API send the value or a ${secret:name} reference',
        });
      }
    }
    return text;
  });
  return problems;
}

/** A copy of a JSON value with each string replaced by `replace(text, path)`. */
function mapStrings(value: unknown, path: string, replace: (text: string, path: string) => unknown): unknown {
  if (typeof value === 'string') return replace(value, path);
  if (Array.isArray(value)) return value.map((item, index) => mapStrings(item, appendPath(path, index), replace));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, appendPath(path, key), replace)]),
    );
  }
  return value;
}

/** Splits a string into literal text, `${kind:name}` references and malformed `${…` pieces. */
function scan(text: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  let at = 0;
  const flush = () => {
    if (literal !== '') pieces.push({ literal });
    literal = '';
  };
  while (at < text.length) {
    if (text.startsWith('$${', at)) {
      literal += '${';
      at += 3;
    } else if (text.startsWith('${', at)) {
      flush();
      const end = text.indexOf('}', at + 2);
      const raw = end < 0 ? text.slice(at) : text.slice(at, end + 1);
      const reference = end < 0 ? null : /^\$\{([a-z][a-z0-9_-]*):([^}]*)\}$/.exec(raw);
      pieces.push(reference === null ? { malformed: raw } : { kind: reference[1]!, name: reference[2]!, raw });
      at += raw.length;
    } else {
      literal += text[at];
      at += 1;
    }
  }
  flush();
  return pieces;
}

function malformed(raw: string, path: string): DocumentProblem {
  const shown = raw.length > 40 ? `${raw.slice(0, 37)}…` : raw;
  return {
    code: 'DOCUMENT_REF_INVALID',
    path,
    message: `"${shown}" is not a reference: write \${env:NAME} or \${secret:name}, or ${ESCAPE_HINT}`,
  };
}

function secretNameProblem(name: string, path: string): DocumentProblem | undefined {
  if (SECRET_NAME.test(name) && name.length <= SECRET_NAME_MAX_LENGTH) return undefined;
  return {
    code: 'DOCUMENT_SECRET_REF_INVALID',
    path,
    message: `"${name}" is not a secret name: lower-case letters, digits, "_", "." and "-", starting with a letter`,
  };
}
