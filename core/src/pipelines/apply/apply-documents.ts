import type { Knex } from 'knex';
import type { ConnectionStore } from '../../connections/connection-store.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import type { ContributionRegistry } from '../../plugins/contribution-registry.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import { documentHash, diffDocuments, formatDiff } from '../document/document-diff.ts';
import { documentsInvalid, type DocumentProblem } from '../document/document-problem.ts';
import { locateProblems, parseDocuments, type DocumentFile } from '../document/parse-documents.ts';
import type { ConnectionDocument, PipelineDocument } from '../document/pipeline-document.ts';
import type { PipelineStore } from '../store/pipeline-store.ts';
import { storedForm } from '../store/pipeline-store.ts';
import { planChanges, sortPlan, type ApplyResult, type PlanEntry } from './apply-plan.ts';
import { planConnection, type ConnectionPlan } from './connection-plan.ts';
import { resolveDocumentReferences } from './document-references.ts';
import { documentScopeProblems } from './document-scope.ts';
import { placeJsonDocuments, requestFiles } from './request-files.ts';
import { checkPipelines, type PipelineToCheck } from './pipeline-checks.ts';

/** One `assay apply` or `POST …/apply`. */
export interface ApplyRequest {
  readonly workspace: string;
  readonly files?: readonly DocumentFile[] | undefined;
  /** Documents as JSON values (the API's `documents`); their problems name `documents[i]` and a path. */
  readonly documents?: readonly unknown[] | undefined;
  /** Delete the workspace's pipelines and connections that no document names. */
  readonly prune?: boolean | undefined;
  /** Plan only. */
  readonly dryRun?: boolean | undefined;
  /** The message of every pipeline version written. */
  readonly message?: string | undefined;
  /** Recorded on pipeline versions: `cli:<os user>`, or the caller's email or name. */
  readonly author?: string | undefined;
  /** The principal id recorded on connections created. */
  readonly actor?: string | undefined;
  /** The applying CLI's environment for `${env:NAME}`; undefined through the API, which refuses such references. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Throws when the caller may not make the planned changes (connections need `connection:edit`). */
  readonly authorize?: ((plan: readonly PlanEntry[]) => Promise<void>) | undefined;
  /** Asked with the plan before anything is written (the CLI's prompt); false writes nothing. */
  readonly confirm?: ((plan: readonly PlanEntry[]) => Promise<boolean>) | undefined;
}

/** What applying needs. */
export interface ApplyDeps {
  readonly db: Knex;
  readonly registry: ContributionRegistry;
  readonly lake: LakeService;
  readonly connections: ConnectionStore;
  readonly secrets: SecretStore;
  readonly pipelines: PipelineStore;
}

interface PipelinePlan {
  readonly entry: PlanEntry;
  readonly normalized: PipelineDocument;
}

/**
 * Applies a set of documents to a workspace. Every document is parsed, resolved and validated first — pipelines
 * against the installed operators and the workspace as it will be (connections of the same apply count, and so do
 * datasets any pipeline writes); any problem is a 400 listing all of them, and nothing is written. Then the plan
 * is computed (create, update, unchanged, and with `prune` delete), and its changes are written in one database
 * transaction: connections through the connection store (which encrypts their secrets), pipeline versions through
 * the pipeline store. Applying the same documents again plans `unchanged` everywhere and writes nothing.
 */
export async function applyDocuments(deps: ApplyDeps, request: ApplyRequest): Promise<ApplyResult> {
  const { workspace } = request;
  const prune = request.prune === true;
  const files = requestFiles(request.files ?? [], request.documents ?? []);
  const parsed = parseDocuments(files);
  const problems: DocumentProblem[] = [...parsed.problems];
  const [storedConnections, storedPipelines, secretInfos] = await Promise.all([
    deps.connections.list(workspace),
    deps.pipelines.list(workspace),
    deps.secrets.list(workspace),
  ]);
  const secretNames = new Set(secretInfos.map((info) => info.name));

  const connectionDocs: Array<{ document: ConnectionDocument; located: (typeof parsed.documents)[number] }> = [];
  const pipelineDocs: PipelineToCheck[] = [];
  for (const located of parsed.documents) {
    const resolved = resolveDocumentReferences(located.document, request.env);
    const own = [...resolved.problems, ...documentScopeProblems(located.document, workspace)];
    problems.push(...locateProblems(own, located));
    if (own.length > 0) continue;
    if (located.kind === 'Connection') {
      connectionDocs.push({ document: resolved.document as ConnectionDocument, located });
    } else {
      pipelineDocs.push({
        document: resolved.document as PipelineDocument,
        file: located.file,
        locate: located.locate,
      });
    }
  }

  const byName = <T extends { name: string }>(items: readonly T[]) => new Map(items.map((item) => [item.name, item]));
  const storedConnectionByName = byName(storedConnections);
  const connectionPlans: ConnectionPlan[] = [];
  for (const { document, located } of connectionDocs) {
    const result = await planConnection(document, {
      workspace,
      registry: deps.registry,
      stored: storedConnectionByName.get(document.metadata.name),
      secretNames,
      secretValue: (name) => deps.secrets.get(workspace, name).catch(() => undefined),
    });
    problems.push(...locateProblems(result.problems, located));
    if (result.plan !== undefined) connectionPlans.push(result.plan);
  }

  const connectionTypes = new Map<string, string>(
    prune ? [] : storedConnections.map((connection) => [connection.name, connection.type]),
  );
  for (const { document } of connectionDocs) connectionTypes.set(document.metadata.name, document.spec.type);
  const named = new Set(pipelineDocs.map(({ document }) => document.metadata.name));
  const check = await checkPipelines(
    deps,
    {
      workspace,
      connections: connectionTypes,
      otherPipelines: prune ? [] : storedPipelines.filter(({ pipeline }) => !named.has(pipeline.name)),
    },
    pipelineDocs,
  );
  problems.push(...check.problems);
  if (problems.length > 0) throw documentsInvalid(placeJsonDocuments(orderProblems(problems, files)));

  const storedPipelineByName = new Map(storedPipelines.map((entry) => [entry.pipeline.name, entry]));
  const pipelinePlans: PipelinePlan[] = [...check.checked].map(([name, { normalized }]) => {
    const stored = storedPipelineByName.get(name)?.current;
    const next = storedForm(normalized);
    if (stored === undefined) return { normalized, entry: { kind: 'Pipeline', name, action: 'create', diff: [] } };
    if (stored.hash === documentHash(next)) {
      return { normalized, entry: { kind: 'Pipeline', name, action: 'unchanged', diff: [] } };
    }
    const diff = formatDiff(diffDocuments(stored.document, next));
    return { normalized, entry: { kind: 'Pipeline', name, action: 'update', diff } };
  });
  const deletions: PlanEntry[] = prune
    ? [
        ...storedConnections
          .filter((connection) => !connectionDocs.some(({ document }) => document.metadata.name === connection.name))
          .map((connection): PlanEntry => ({ kind: 'Connection', name: connection.name, action: 'delete', diff: [] })),
        ...storedPipelines
          .filter(({ pipeline }) => !named.has(pipeline.name))
          .map(({ pipeline }): PlanEntry => ({ kind: 'Pipeline', name: pipeline.name, action: 'delete', diff: [] })),
      ]
    : [];
  const plan = sortPlan([...connectionPlans.map((p) => p.entry), ...pipelinePlans.map((p) => p.entry), ...deletions]);

  await request.authorize?.(plan);
  if (request.dryRun === true || !planChanges(plan)) return { plan, applied: false };
  if (request.confirm !== undefined && !(await request.confirm(plan))) return { plan, applied: false };

  const cleanups: Array<() => Promise<void>> = [];
  const writeOptions = (trx: Knex.Transaction) => ({
    trx,
    afterCommit: (work: () => Promise<void>) => cleanups.push(work),
  });
  await deps.db.transaction(async (trx) => {
    for (const { entry, type, version, config, description } of connectionPlans) {
      if (entry.action === 'create') {
        await deps.connections.create(
          workspace,
          { name: entry.name, type, version, config, description: description ?? undefined },
          request.actor,
          writeOptions(trx),
        );
      } else if (entry.action === 'update') {
        await deps.connections.update(workspace, entry.name, { config, description }, writeOptions(trx));
      }
    }
    for (const { entry, normalized } of pipelinePlans) {
      if (entry.action === 'unchanged') continue;
      await deps.pipelines.save(workspace, normalized, { author: request.author, message: request.message, trx });
    }
    for (const entry of deletions) {
      if (entry.kind === 'Pipeline') await deps.pipelines.remove(workspace, entry.name, trx);
      else await deps.connections.remove(workspace, entry.name, writeOptions(trx));
    }
  });
  for (const cleanup of cleanups) await cleanup();
  return { plan, applied: true };
}

/** Problems by file in the order given, then line; problems without a file last. */
function orderProblems(problems: readonly DocumentProblem[], files: readonly DocumentFile[]): DocumentProblem[] {
  const order = new Map(files.map((file, position) => [file.path, position]));
  const rank = (problem: DocumentProblem) => order.get(problem.file ?? '') ?? files.length;
  return [...problems].sort(
    (a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
