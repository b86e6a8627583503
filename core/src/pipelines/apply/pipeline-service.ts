import { InputError } from '@assay/sdk';
import type { ConnectionStore } from '../../connections/connection-store.ts';
import { diffDocuments, formatDiff } from '../document/document-diff.ts';
import { documentsInvalid, type DocumentProblem } from '../document/document-problem.ts';
import { parseDocuments, type DocumentFile } from '../document/parse-documents.ts';
import { buildPipelineGraph, type PipelineGraph } from '../document/pipeline-graph.ts';
import type { AssayDocument, PipelineDocument } from '../document/pipeline-document.ts';
import type { PipelineSaveResult } from '../store/pipeline-records.ts';
import type { PipelineStore } from '../store/pipeline-store.ts';
import { applyDocuments, type ApplyDeps, type ApplyRequest } from './apply-documents.ts';
import type { ApplyResult } from './apply-plan.ts';
import { resolveDocumentReferences } from './document-references.ts';
import { documentScopeProblems } from './document-scope.ts';
import { connectionDocumentOf, pipelineDocumentOf } from './export-documents.ts';
import { checkPipelines, type CheckedPipeline } from './pipeline-checks.ts';

/** A pipeline as the API receives it: a JSON document or YAML text. */
export interface PipelineInput {
  readonly document?: Record<string, unknown> | undefined;
  readonly yaml?: string | undefined;
}

/** Who saves and why. */
export interface SaveContext {
  readonly author: string | undefined;
  readonly message?: string | undefined;
}

/** A save, with the diff against the version it replaced (empty for a new pipeline or no change). */
export type PipelineSaved = PipelineSaveResult & { readonly diff: string[] };

/** Pipelines of a workspace as documents: validated saves, rollbacks, apply and export. */
export interface PipelineService {
  readonly store: PipelineStore;
  /** Every problem of one pipeline document without saving it; the normalized document and graph when valid. */
  validate(
    workspace: string,
    input: PipelineInput,
  ): Promise<{ problems: DocumentProblem[]; checked: CheckedPipeline | undefined }>;
  /** A new pipeline: 409 `PIPELINE_EXISTS` when the name is taken; 400 with every problem when invalid. */
  create(workspace: string, input: PipelineInput, context: SaveContext): Promise<PipelineSaved>;
  /** A new version of `name`; the document's name must be `name` (`PIPELINE_NAME_MISMATCH`). */
  update(workspace: string, name: string, input: PipelineInput, context: SaveContext): Promise<PipelineSaved>;
  /** A new version equal to `version`, once it still validates against what is installed now. */
  rollback(workspace: string, name: string, version: number, context: SaveContext): Promise<PipelineSaved>;
  /** The job graph of a stored document (inputs from outside the pipeline are taken to exist). */
  graph(document: PipelineDocument): PipelineGraph;
  apply(request: ApplyRequest): Promise<ApplyResult>;
  /** Connections then pipelines (current versions), each by name, as documents that apply back to no change. */
  export(workspace: string): Promise<AssayDocument[]>;
}

/** The pipeline service over the stores, the registry and the lake. */
export function createPipelineService(deps: ApplyDeps & { connections: ConnectionStore }): PipelineService {
  const { pipelines: store } = deps;

  const validate = async (workspace: string, input: PipelineInput, name?: string) => {
    const parsed = parseDocuments([fileOf(input)]);
    const problems = [...parsed.problems];
    const [located, ...more] = parsed.documents;
    if (problems.length === 0 && (located?.kind !== 'Pipeline' || more.length > 0)) {
      problems.push({
        code: 'PIPELINE_DOCUMENT_EXPECTED',
        path: located?.kind === 'Pipeline' ? '' : 'kind',
        message: 'send exactly one kind: Pipeline document (apply takes several documents and connections)',
      });
    }
    if (problems.length > 0 || located?.kind !== 'Pipeline')
      return { problems: placed(problems, input), checked: undefined };
    if (name !== undefined && located.document.metadata.name !== name) {
      throw new InputError(
        `The document is named "${located.document.metadata.name}" but was sent to pipeline "${name}": ` +
          'the name in metadata.name must match the URL (create a new pipeline with POST)',
        { code: 'PIPELINE_NAME_MISMATCH', details: { path: 'metadata.name' } },
      );
    }
    const resolved = resolveDocumentReferences(located.document, undefined);
    const own = [...resolved.problems, ...documentScopeProblems(located.document, workspace)];
    if (own.length > 0) return { problems: placed(own, input, located.locate), checked: undefined };
    const [connections, stored] = await Promise.all([deps.connections.list(workspace), store.list(workspace)]);
    const result = await checkPipelines(
      deps,
      {
        workspace,
        connections: new Map(connections.map((c) => [c.name, c.type])),
        otherPipelines: stored.filter(({ pipeline }) => pipeline.name !== resolved.document.metadata.name),
      },
      [{ document: resolved.document, locate: located.locate }],
    );
    return {
      problems: placed(result.problems, input),
      checked: result.checked.get(resolved.document.metadata.name),
    };
  };

  const save = async (
    workspace: string,
    input: PipelineInput,
    context: SaveContext,
    mode: 'create' | 'update',
    name?: string,
  ): Promise<PipelineSaved> => {
    // An update of a pipeline that does not exist is a 404 whatever the document says.
    const previous = name === undefined ? undefined : (await store.get(workspace, name)).current;
    const { problems, checked } = await validate(workspace, input, name);
    if (checked === undefined) throw documentsInvalid(problems);
    const saved = await store.save(workspace, checked.normalized, { ...context, mode });
    return { ...saved, diff: diffOf(previous?.document, saved) };
  };

  return {
    store,
    validate: (workspace, input) => validate(workspace, input),
    create: (workspace, input, context) => save(workspace, input, context, 'create'),
    update: (workspace, name, input, context) => save(workspace, input, context, 'update', name),

    async rollback(workspace, name, version, context) {
      const [{ current: target }, { current: previous }] = await Promise.all([
        store.get(workspace, name, version),
        store.get(workspace, name),
      ]);
      const { problems, checked } = await validate(workspace, { document: target.document });
      if (checked === undefined) throw documentsInvalid(problems);
      const saved = await store.rollback(workspace, name, version, context);
      return { ...saved, diff: diffOf(previous.document, saved) };
    },

    graph: (document) => buildPipelineGraph(document.spec, { datasetExists: () => true }),
    apply: (request) => applyDocuments(deps, request),

    async export(workspace) {
      const [connections, pipelines] = await Promise.all([deps.connections.list(workspace), store.list(workspace)]);
      return [
        ...connections.map((record) => connectionDocumentOf(record, workspace)),
        ...pipelines.map(({ current }) => pipelineDocumentOf(current.document, workspace)),
      ];
    },
  };
}

/** The diff lines from the version a save replaced; none when nothing changed or nothing was there. */
function diffOf(previous: PipelineDocument | undefined, saved: PipelineSaveResult): string[] {
  if (previous === undefined || !saved.changed) return [];
  return formatDiff(diffDocuments(previous, saved.version.document));
}

/** The single file a request body stands for: YAML text as given, a JSON document as JSON. */
function fileOf(input: PipelineInput): DocumentFile {
  if ((input.document === undefined) === (input.yaml === undefined)) {
    throw new InputError('/body: send either document (a JSON object) or yaml (the document as text), not both', {
      code: 'REQUEST_INVALID',
      details: { path: '/body' },
    });
  }
  return input.yaml !== undefined
    ? { path: 'document.yaml', text: input.yaml }
    : { path: 'document.json', text: JSON.stringify(input.document, null, 2) };
}

/**
 * Problems of a request body: no file name (there is none), and lines only for YAML text, where they point into
 * what the client sent; for a JSON document the path says where.
 */
function placed(
  problems: readonly DocumentProblem[],
  input: PipelineInput,
  locate?: (path: string) => { line: number; column: number } | undefined,
): DocumentProblem[] {
  return problems.map(({ file: _file, line, column, ...rest }) => {
    if (input.yaml === undefined) return rest;
    const position = line === undefined ? locate?.(rest.path) : { line, column };
    return position === undefined ? rest : { ...rest, line: position.line, column: position.column };
  });
}
