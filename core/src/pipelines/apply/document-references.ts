import type { DocumentProblem } from '../document/document-problem.ts';
import { findEnvReferences, resolveEnvReferences } from '../document/secret-references.ts';

/**
 * Resolves a document's references before it is checked: `${secret:name}` becomes `{ "$secret": name }`, and
 * `${env:NAME}` takes its value from `env` — the applying CLI's environment. Without `env` (a document sent to the
 * API) every `${env:…}` is a `DOCUMENT_ENV_UNRESOLVED` problem: a server never pastes its own environment into a
 * client's document.
 */
export function resolveDocumentReferences<T>(
  document: T,
  env: Readonly<Record<string, string | undefined>> | undefined,
): { document: T; problems: DocumentProblem[] } {
  if (env !== undefined) {
    const { value, problems } = resolveEnvReferences(document, env, '');
    return { document: value as T, problems };
  }
  const refused = findEnvReferences(document, '');
  const { value, problems } = resolveEnvReferences(document, {}, '');
  // Each `${env:…}` is already reported as refused; resolving without an environment would report it again.
  return { document: value as T, problems: [...refused, ...problems.filter((p) => p.code !== 'DOCUMENT_ENV_MISSING')] };
}

/** Literal `${` in a value, written so that applying the text gives the value back. */
const LITERAL = /\$\{/g;

/**
 * The inverse of resolving, for exports: `{ "$secret": name }` becomes `${secret:name}` and a literal `${` in a
 * string becomes `$${`, so applying an exported document reproduces what is stored.
 */
export function referencesAsText(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LITERAL, '$$${');
  if (Array.isArray(value)) return value.map(referencesAsText);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined && only[0] === '$secret' && typeof only[1] === 'string') {
    return `\${secret:${only[1]}}`;
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, referencesAsText(item)]));
}
