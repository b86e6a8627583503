import type { Knex } from 'knex';
import type { LakeService } from '../../lake/lake-service.ts';
import type { ContributionRegistry } from '../../plugins/contribution-registry.ts';
import { workspaceSettings } from '../../plugins/installed-plugins.ts';
import type { DocumentProblem } from '../document/document-problem.ts';
import { locateProblems, type Locate } from '../document/parse-documents.ts';
import type { PipelineGraph } from '../document/pipeline-graph.ts';
import type { PipelineDocument } from '../document/pipeline-document.ts';
import { validatePipeline } from '../document/validate-pipeline.ts';
import type { PipelineWithVersion } from '../store/pipeline-records.ts';
import { datasetColumnsReader } from './dataset-columns.ts';
import { existingDatasets } from './existing-datasets.ts';
import { createValidationContext } from './validation-context.ts';

/** A pipeline document to check, with where it came from so problems can name the file and line. */
export interface PipelineToCheck {
  readonly document: PipelineDocument;
  readonly file?: string | undefined;
  readonly locate?: Locate | undefined;
}

/** A pipeline that passed, as it will be stored. */
export interface CheckedPipeline {
  readonly normalized: PipelineDocument;
  readonly graph: PipelineGraph;
}

/** The workspace as the documents will find it once they are saved. */
export interface CheckScope {
  readonly workspace: string;
  /** Connection name → connector type, as they will be: stored ones (unless replaced) and the new ones. */
  readonly connections: ReadonlyMap<string, string>;
  /** Stored pipelines that stay (not replaced by a document, not pruned): the datasets they write count. */
  readonly otherPipelines: readonly PipelineWithVersion[];
}

/**
 * Validates pipeline documents against the installed operators and the workspace: a job's input exists when a
 * dataset is in the lake, or when any pipeline of the set or a remaining pipeline of the workspace writes it.
 * Problems are placed in their files; `checked` holds the documents that passed, by name.
 */
export async function checkPipelines(
  deps: { db: Knex; registry: ContributionRegistry; lake: LakeService },
  scope: CheckScope,
  pipelines: readonly PipelineToCheck[],
): Promise<{ problems: DocumentProblem[]; checked: Map<string, CheckedPipeline> }> {
  const produced = new Set<string>();
  const outputsOf = (document: PipelineDocument) => document.spec.jobs.flatMap((job) => job.output ?? []);
  for (const { document } of pipelines) outputsOf(document).forEach((dataset) => produced.add(dataset));
  for (const { current } of scope.otherPipelines) outputsOf(current.document).forEach((d) => produced.add(d));
  const wanted = pipelines.flatMap(({ document }) => document.spec.jobs.flatMap((job) => job.inputs ?? []));
  const [inLake, pluginSettings] = await Promise.all([
    existingDatasets(
      deps.lake,
      scope.workspace,
      wanted.filter((dataset) => !produced.has(dataset)),
    ),
    workspaceSettings(deps.db, scope.workspace),
  ]);
  const context = createValidationContext(deps.registry, {
    connections: scope.connections,
    datasets: new Set([...produced, ...inLake]),
    datasetColumns: datasetColumnsReader(deps.lake, scope.workspace),
    disabledPlugins: new Set([...pluginSettings].filter(([, enabled]) => !enabled).map(([id]) => id)),
  });

  const problems: DocumentProblem[] = [];
  const checked = new Map<string, CheckedPipeline>();
  for (const pipeline of pipelines) {
    const result = await validatePipeline(pipeline.document, context);
    if (result.problems.length > 0) {
      const locate = pipeline.locate ?? (() => undefined);
      problems.push(...locateProblems(result.problems, { file: pipeline.file ?? '', locate }));
      continue;
    }
    checked.set(pipeline.document.metadata.name, { normalized: result.normalized, graph: result.graph });
  }
  return { problems: problems.map((problem) => (problem.file === '' ? withoutFile(problem) : problem)), checked };
}

function withoutFile(problem: DocumentProblem): DocumentProblem {
  const { file: _file, ...rest } = problem;
  return rest;
}
