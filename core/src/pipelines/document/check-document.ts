import type { TSchema } from '@assay/sdk';
import type { DocumentProblem } from './document-problem.ts';
import { API_VERSION, ConnectionDocumentSchema, PipelineDocumentSchema } from './pipeline-document.ts';
import { schemaProblems } from './schema-problems.ts';

/** The kinds of document Assay reads, and the schema each is checked against. */
export const DOCUMENT_KINDS = { Pipeline: PipelineDocumentSchema, Connection: ConnectionDocumentSchema } as const;

/** `Pipeline` or `Connection`. */
export type DocumentKind = keyof typeof DOCUMENT_KINDS;

const KIND_NAMES = Object.keys(DOCUMENT_KINDS) as DocumentKind[];

/**
 * Checks one parsed document: a mapping, a known `kind`, the supported `apiVersion`, then its kind's schema.
 * Problems carry paths only; the kind is returned when the document passed every check.
 */
export function checkDocument(value: unknown): { kind: DocumentKind | undefined; problems: DocumentProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    return {
      kind: undefined,
      problems: [
        {
          code: 'DOCUMENT_INVALID',
          path: '',
          message: `a document must be a mapping with apiVersion, kind, metadata and spec (got ${found})`,
        },
      ],
    };
  }
  const { kind, apiVersion } = value as { kind?: unknown; apiVersion?: unknown };
  const known = KIND_NAMES.find((name) => name === kind);
  if (known === undefined) {
    return { kind: undefined, problems: [{ code: 'DOCUMENT_KIND_UNKNOWN', path: 'kind', message: kindMessage(kind) }] };
  }
  if (apiVersion !== API_VERSION) {
    const message =
      apiVersion === undefined
        ? `is required: write apiVersion: ${API_VERSION}`
        : `${JSON.stringify(apiVersion)} is not supported: this Assay reads apiVersion ${API_VERSION}`;
    return { kind: undefined, problems: [{ code: 'DOCUMENT_API_VERSION_UNSUPPORTED', path: 'apiVersion', message }] };
  }
  const problems = schemaProblems(DOCUMENT_KINDS[known] as TSchema, value, { code: 'DOCUMENT_INVALID' });
  return { kind: problems.length === 0 ? known : undefined, problems };
}

function kindMessage(kind: unknown): string {
  const allowed = KIND_NAMES.join(', ');
  if (kind === undefined) return `is required: one of ${allowed}`;
  const near = KIND_NAMES.find((name) => typeof kind === 'string' && name.toLowerCase() === kind.toLowerCase());
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  return `${JSON.stringify(kind)} is not a document kind: use one of ${allowed}${hint}`;
}
