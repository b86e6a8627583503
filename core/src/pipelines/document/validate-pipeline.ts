import type { TObject } from '@assay/sdk';
import type { DocumentProblem } from './document-problem.ts';
import { buildPipelineGraph, type PipelineGraph } from './pipeline-graph.ts';
import type { PipelineDocument } from './pipeline-document.ts';
import { createCheckSqlParser } from './validate-check-parser.ts';
import { validateJob } from './validate-job.ts';
import { scheduleProblems, triggerProblems } from './validate-schedule.ts';

/** What validation needs to know about an installed operator version. */
export interface OperatorInfo {
  readonly type: string;
  readonly version: number;
  readonly config: TObject;
  readonly inputs?: { readonly min: number; readonly max?: number | undefined } | undefined;
  readonly output?: 'table' | 'none' | undefined;
  /** Present when the operator can compute one partition at a time; see `OperatorDefinition.partitions`. */
  readonly partitions?: { readonly unsupported?: ((config: never) => string | undefined) | undefined } | undefined;
}

/** What validation needs to know about an installed check type. */
export interface CheckInfo {
  readonly config: TObject;
  /**
   * The form widget of each config property (`ui.widgets`): `column` and `columns` name columns of the job's output,
   * `regex` a regular expression.
   */
  readonly widgets?: Readonly<Record<string, string>> | undefined;
}

/**
 * The installed plugins and the workspace, as validation sees them. Callers adapt the plugin registry and the
 * stores to this, so document validation depends on neither.
 */
export interface PipelineValidationContext {
  /** The operator `type` at `version`, or its latest version when none is given; undefined when not installed. */
  operator(type: string, version?: number): OperatorInfo | undefined;
  /** Installed operator types, for messages. */
  operatorTypes(): string[];
  /** The plugin contributing operator `type` when an admin disabled it in the workspace; else undefined. */
  operatorDisabledBy(type: string): string | undefined;
  /** An installed data-quality check type. */
  check(type: string): CheckInfo | undefined;
  /** The connector type of a connection in the workspace or in the same apply; undefined when there is none. */
  connectionType(name: string): string | undefined;
  /** The `streamConfig` schema of a connector type, when it declares one. */
  connectorStreamConfig(type: string): TObject | undefined;
  /** Whether a dataset (`bronze.orders`) exists in the workspace. */
  datasetExists(dataset: string): boolean;
  /**
   * The columns of a dataset that exists in the lake (its latest Delta schema); undefined when it does not exist yet.
   * Asked only for the outputs of jobs with checks.
   */
  datasetColumns(dataset: string): Promise<string[] | undefined>;
}

/** What {@link validatePipeline} found. */
export interface PipelineValidation {
  /** Paths only (`spec.jobs[2].config.write.key`); place them in a file with `locateProblems`. */
  readonly problems: DocumentProblem[];
  readonly graph: PipelineGraph;
  /**
   * The document as it is stored: each job's operator version pinned (the latest when omitted), its config with
   * the schema's defaults and the job-level `connection` as `config.connection`, checks with their defaults.
   */
  readonly normalized: PipelineDocument;
}

/**
 * Checks a schema-valid pipeline document against the installed operators and checks and the workspace's
 * connections and datasets, and builds its job graph. Problem codes: `PIPELINE_OPERATOR_UNKNOWN`, `PIPELINE_OPERATOR_DISABLED`,
 * `PIPELINE_OPERATOR_VERSION_UNKNOWN`, `PIPELINE_CONFIG_INVALID`, `PIPELINE_INPUTS_INVALID`,
 * `PIPELINE_OUTPUT_MISSING`, `PIPELINE_OUTPUT_UNEXPECTED`, `PIPELINE_CONNECTION_CONFLICT`,
 * `PIPELINE_CONNECTION_UNKNOWN`, `PIPELINE_CHECK_UNKNOWN`, `PIPELINE_CHECK_INVALID`, `PIPELINE_CHECK_ID_DUPLICATE`,
 * `PIPELINE_CHECK_SQL_INVALID`, `PIPELINE_CHECK_REGEX_INVALID`, `PIPELINE_CHECK_COLUMN_MISSING`,
 * `PIPELINE_PARTITIONS_UNSUPPORTED`,
 * `PIPELINE_PARTITIONS_INVALID`, `PIPELINE_SCHEDULE_INVALID`, `PIPELINE_TRIGGER_INVALID`,
 * and the graph's (`PIPELINE_CYCLE`, `PIPELINE_INPUT_MISSING`, …).
 *
 * @example
 * ```ts
 * const { problems, normalized } = await validatePipeline(located.document, context);
 * if (problems.length > 0) throw documentsInvalid(locateProblems(problems, located));
 * ```
 */
export async function validatePipeline(
  document: PipelineDocument,
  context: PipelineValidationContext,
): Promise<PipelineValidation> {
  const problems: DocumentProblem[] = [];
  const jobs: PipelineDocument['spec']['jobs'] = [];
  const parser = createCheckSqlParser();
  try {
    for (const [index, job] of document.spec.jobs.entries()) {
      const checked = await validateJob(job, index, context, parser);
      problems.push(...checked.problems);
      jobs.push(checked.job);
    }
  } finally {
    await parser.close();
  }
  problems.push(...scheduleProblems(document.spec.schedule));
  problems.push(
    ...triggerProblems(
      document.spec.triggers,
      document.metadata.name,
      (name) => context.connectionType(name) !== undefined,
    ),
  );
  const normalized: PipelineDocument = { ...document, spec: { ...document.spec, jobs } };
  const graph = buildPipelineGraph(normalized.spec, { datasetExists: (dataset) => context.datasetExists(dataset) });
  problems.push(...graph.problems);
  return { problems, graph, normalized };
}
