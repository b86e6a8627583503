import {
  declaresSecretAt,
  getAt,
  isSecretReference,
  secretPathsOf,
  setAt,
} from '../../connections/connection-secrets.ts';
import type { ConnectionRecord } from '../../connections/connection-store.ts';
import type { ContributionRegistry } from '../../plugins/contribution-registry.ts';
import { checkConfig } from '../document/check-config.ts';
import { canonicalDocument, diffDocuments, formatDiff } from '../document/document-diff.ts';
import { formatPath } from '../document/document-path.ts';
import type { DocumentProblem } from '../document/document-problem.ts';
import type { ConnectionDocument } from '../document/pipeline-document.ts';
import type { PlanEntry } from './apply-plan.ts';
import { connectionDocumentOf } from './export-documents.ts';

/** A connection document compared with what the workspace holds: the plan entry and what writing it takes. */
export interface ConnectionPlan {
  readonly entry: PlanEntry;
  readonly type: string;
  /** The connector version to create with; the stored one for an update. */
  readonly version: number;
  /** The config to write: secret fields as values or references, stored secrets the document left out kept. */
  readonly config: Record<string, unknown>;
  readonly description: string | null;
}

/** What comparing a connection document needs beside the document. */
export interface ConnectionPlanContext {
  readonly workspace: string;
  readonly registry: ContributionRegistry;
  readonly stored: ConnectionRecord | undefined;
  /** Names of the workspace's secrets, to check references before anything is written. */
  readonly secretNames: ReadonlySet<string>;
  /** The plaintext of a stored secret, to tell a re-applied value from a new one. */
  readonly secretValue: (name: string) => Promise<string | undefined>;
}

const REDACTED = '(new secret value)';

/**
 * Plans one connection document against the stored connection of its name: problems (unknown connector, a config
 * that breaks the connector's schema, a reference to a missing secret, a changed type or version) or the entry.
 * A secret given as a value that equals the stored one is no change, so applying the same file twice is a no-op;
 * the diff never shows a secret's value.
 */
export async function planConnection(
  document: ConnectionDocument,
  context: ConnectionPlanContext,
): Promise<{ problems: DocumentProblem[]; plan?: ConnectionPlan }> {
  const { stored, registry } = context;
  const { name } = document.metadata;
  const { type, version } = document.spec;
  const problems: DocumentProblem[] = [];
  const report = (code: string, path: string, message: string) => problems.push({ code, path, message });
  if (stored !== undefined && stored.type !== type) {
    report(
      'CONNECTION_TYPE_CHANGED',
      'spec.type',
      `connection "${name}" is a ${stored.type} connection and cannot become ${type}: delete it first ` +
        `(assay connection remove ${name}) or give the new one another name`,
    );
    return { problems };
  }
  if (stored !== undefined && version !== undefined && version !== stored.version) {
    report(
      'CONNECTION_VERSION_CHANGED',
      'spec.version',
      `connection "${name}" uses ${type} version ${stored.version}; changing the connector version of an existing ` +
        'connection is not supported: delete it first or leave the version out',
    );
    return { problems };
  }
  const connector = stored === undefined ? registry.connector(type, version) : registry.connector(type, stored.version);
  if (connector === undefined) {
    const known = [...new Set(registry.connectors.map((c) => c.type))].join(', ') || 'none';
    report(
      stored === undefined ? 'CONNECTOR_NOT_FOUND' : 'CONNECTOR_UNAVAILABLE',
      version === undefined ? 'spec.type' : 'spec.version',
      version === undefined && stored === undefined
        ? `no connector "${type}" is installed (installed: ${known})`
        : `connector "${type}" version ${stored?.version ?? version} is not installed`,
    );
    return { problems };
  }

  const pathOf = (path: ReadonlyArray<string | number>) => formatPath(['spec', 'config', ...path]);
  let config: unknown = document.spec.config;
  for (const path of secretPathsOf(connector.config, config)) {
    const value = getAt(config, path);
    if (value === undefined || typeof value === 'string') continue;
    if (!isSecretReference(value)) {
      report(
        'CONNECTION_CONFIG_INVALID',
        pathOf(path),
        'is a secret: give the value, ${env:NAME} (CLI) or ${secret:name}',
      );
    } else if (!context.secretNames.has(value.$secret)) {
      report('CONNECTION_SECRET_MISSING', pathOf(path), `refers to secret "${value.$secret}", which does not exist`);
    }
  }
  if (stored !== undefined) {
    // As an edit through the API: a secret field the document leaves out keeps its stored value.
    for (const path of secretPathsOf(connector.config, stored.config)) {
      if (getAt(config, path) !== undefined) continue;
      if (declaresSecretAt(connector.config, setAt(config, path, REDACTED), path)) {
        config = setAt(config, path, getAt(stored.config, path));
      }
    }
    // The value a secret already holds, given again, is the stored reference: no change.
    for (const path of secretPathsOf(connector.config, config)) {
      const value = getAt(config, path);
      const reference = getAt(stored.config, path);
      if (typeof value === 'string' && isSecretReference(reference)) {
        if ((await context.secretValue(reference.$secret)) === value) config = setAt(config, path, reference);
      }
    }
  }
  const checked = checkConfig(connector.config, config, {
    code: 'CONNECTION_CONFIG_INVALID',
    base: ['spec', 'config'],
  });
  problems.push(...checked.problems);
  if (problems.length > 0) return { problems };

  const description = document.metadata.description ?? null;
  const plan = {
    type: connector.type,
    version: connector.version,
    config: config as Record<string, unknown>,
    description,
  };
  if (stored === undefined) {
    return { problems, plan: { ...plan, entry: { kind: 'Connection', name, action: 'create', diff: [] } } };
  }
  // A new secret value shows as a placeholder; a stored one as its reference, which names no value.
  let shown: unknown = checked.value;
  for (const path of secretPathsOf(connector.config, checked.value)) {
    if (typeof getAt(checked.value, path) === 'string') shown = setAt(shown, path, REDACTED);
  }
  const before = connectionDocumentOf({ ...stored, config: normalizedConfig(connector.config, stored.config) });
  const after = connectionDocumentOf({ ...stored, config: shown as Record<string, unknown>, description });
  const changes = diffDocuments(before, after);
  const action = changes.length === 0 ? 'unchanged' : 'update';
  return { problems, plan: { ...plan, entry: { kind: 'Connection', name, action, diff: formatDiff(changes) } } };
}

/** A stored config as a document would normalize it, so defaults added since it was saved are no change. */
function normalizedConfig(
  schema: Parameters<typeof checkConfig>[0],
  config: Record<string, unknown>,
): Record<string, unknown> {
  return canonicalDocument(checkConfig(schema, config, { code: 'CONNECTION_CONFIG_INVALID', base: [] }).value);
}
