import { stringify } from 'yaml';
import type { ConnectionRecord } from '../../connections/connection-store.ts';
import { canonicalDocument } from '../document/document-diff.ts';
import { API_VERSION, type ConnectionDocument, type PipelineDocument } from '../document/pipeline-document.ts';
import { referencesAsText } from './document-references.ts';

/**
 * A stored connection as a document: secret fields as `${secret:<name>}` references to the secrets that hold
 * them (never values), so applying the document keeps them.
 */
export function connectionDocumentOf(
  record: Pick<ConnectionRecord, 'name' | 'type' | 'version' | 'config' | 'description'>,
  workspace?: string,
): ConnectionDocument {
  return canonicalDocument({
    apiVersion: API_VERSION,
    kind: 'Connection',
    metadata: {
      name: record.name,
      ...(workspace === undefined ? {} : { workspace }),
      ...(record.description === null ? {} : { description: record.description }),
    },
    spec: {
      type: record.type,
      version: record.version,
      config: referencesAsText(record.config) as Record<string, unknown>,
    },
  });
}

/** A stored pipeline version as the document to export, with its workspace and its references as text. */
export function pipelineDocumentOf(document: PipelineDocument, workspace: string): PipelineDocument {
  const text = referencesAsText(document) as PipelineDocument;
  return canonicalDocument({ ...text, metadata: { ...text.metadata, workspace } });
}

/** Documents as one YAML text, `---` between them, in the order given. */
export function documentsYaml(documents: readonly unknown[]): string {
  return documents.map((document) => stringify(document, { lineWidth: 0 })).join('---\n');
}
