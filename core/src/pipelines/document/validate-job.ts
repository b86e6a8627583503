import { checkConfig } from './check-config.ts';
import type { DocumentProblem } from './document-problem.ts';
import { appendPath } from './document-path.ts';
import type { JobCheck, JobSpec } from './pipeline-document.ts';
import { validateCheck } from './validate-check.ts';
import { duplicateCheckIdProblems } from './validate-check-ids.ts';
import type { CheckSqlParser } from './validate-check-parser.ts';
import type { OperatorInfo, PipelineValidationContext } from './validate-pipeline.ts';

/** The operator whose `config.streamConfig` is checked against the connection's connector. */
const INGEST_OPERATOR = 'ingest';

/**
 * Checks one job against its operator and the workspace, and its checks (see `validateCheck`), and returns it
 * normalized (version pinned, config with defaults and `connection`). A job whose operator is unknown comes back as
 * written, its checks unchecked.
 */
export async function validateJob(
  job: JobSpec,
  index: number,
  context: PipelineValidationContext,
  parser: CheckSqlParser,
): Promise<{ job: JobSpec; problems: DocumentProblem[] }> {
  const at = `spec.jobs[${index}]`;
  const problems: DocumentProblem[] = [];
  const report = (code: string, path: string, message: string) =>
    problems.push({ code, path: `${at}${path}`, message: `job "${job.id}": ${message}` });
  const connectionExists = (name: unknown, path: string) => {
    if (typeof name === 'string' && context.connectionType(name) === undefined) {
      report(
        'PIPELINE_CONNECTION_UNKNOWN',
        path,
        `connection "${name}" does not exist in the workspace or in this apply`,
      );
    }
  };
  connectionExists(job.connection, '.connection');

  const latest = context.operator(job.operator);
  if (latest === undefined) {
    const installed = context.operatorTypes().join(', ') || 'none';
    report(
      'PIPELINE_OPERATOR_UNKNOWN',
      '.operator',
      `operator "${job.operator}" is not installed (installed: ${installed})`,
    );
    return { job, problems };
  }
  const disabledBy = context.operatorDisabledBy(job.operator);
  if (disabledBy !== undefined) {
    report(
      'PIPELINE_OPERATOR_DISABLED',
      '.operator',
      `operator "${job.operator}" comes from plugin "${disabledBy}", which is disabled in this workspace (Admin → Plugins)`,
    );
    return { job, problems };
  }
  const operator = job.version === undefined ? latest : context.operator(job.operator, job.version);
  if (operator === undefined) {
    report(
      'PIPELINE_OPERATOR_VERSION_UNKNOWN',
      '.version',
      `operator "${job.operator}" has no version ${job.version} (the latest installed is ${latest.version})`,
    );
    return { job, problems };
  }

  const config: Record<string, unknown> = { ...(job.config ?? {}) };
  const declaresConnection = operator.config.properties.connection !== undefined;
  if (job.connection !== undefined) {
    if (config.connection !== undefined && config.connection !== job.connection) {
      report(
        'PIPELINE_CONNECTION_CONFLICT',
        '.config.connection',
        `connection "${job.connection}" and config.connection ${JSON.stringify(config.connection)} differ: give the connection once`,
      );
    } else if (
      !declaresConnection &&
      (operator.config as { additionalProperties?: unknown }).additionalProperties === false
    ) {
      report('PIPELINE_CONFIG_INVALID', '.connection', `operator "${operator.type}" takes no connection`);
    } else config.connection = job.connection;
  }
  if (declaresConnection && config.connection !== job.connection)
    connectionExists(config.connection, '.config.connection');

  const checked = checkConfig(operator.config, config, {
    code: 'PIPELINE_CONFIG_INVALID',
    base: ['spec', 'jobs', index, 'config'],
  });
  problems.push(...checked.problems);
  const normalizedConfig = checked.value;
  if (operator.type === INGEST_OPERATOR) {
    const type = typeof config.connection === 'string' ? context.connectionType(config.connection) : undefined;
    const schema = type === undefined ? undefined : context.connectorStreamConfig(type);
    if (schema !== undefined) {
      const stream = checkConfig(schema, config.streamConfig ?? {}, {
        code: 'PIPELINE_CONFIG_INVALID',
        base: ['spec', 'jobs', index, 'config', 'streamConfig'],
      });
      problems.push(...stream.problems);
      normalizedConfig.streamConfig = stream.value;
    }
  }

  problems.push(...shapeProblems(job, operator).map((problem) => ({ ...problem, path: `${at}${problem.path}` })));
  if (checked.problems.length === 0) {
    problems.push(
      ...partitionProblems(job, operator, normalizedConfig).map((problem) => ({
        ...problem,
        path: `${at}${problem.path}`,
      })),
    );
  }
  let checks: JobCheck[] | undefined;
  if (job.checks !== undefined) {
    // Columns are judged only against an output that exists: the first run of a new one reports its own.
    const columns =
      job.output === undefined || job.checks.length === 0 ? undefined : await context.datasetColumns(job.output);
    const mayAdd = columns === undefined ? [] : await columnsTheJobMayAdd(job, context);
    checks = [];
    for (const [position, entry] of job.checks.entries()) {
      const base = ['spec', 'jobs', index, 'checks', position];
      const scope = { base, jobId: job.id, output: job.output, columns, mayAdd, context, parser };
      const result = await validateCheck(entry, scope);
      problems.push(...result.problems);
      checks.push(result.check);
    }
    problems.push(...duplicateCheckIdProblems(job.checks, ['spec', 'jobs', index, 'checks'], job.id));
  }
  const normalized: JobSpec = { ...job, version: operator.version, config: normalizedConfig };
  if (checks !== undefined) normalized.checks = checks;
  return { job: normalized, problems };
}

/**
 * Column names the job may add to its output this time: its inputs' columns (a `SELECT *` passes a new input column
 * on) and every identifier its config mentions (a new `AS name`, a declared schema column). A check naming a column
 * in none of these, nor in the output, names a column the job cannot write: a typo, refused at validation.
 */
async function columnsTheJobMayAdd(job: JobSpec, context: PipelineValidationContext): Promise<string[]> {
  const inputs = await Promise.all((job.inputs ?? []).map((input) => context.datasetColumns(input)));
  const mentioned = JSON.stringify(job.config ?? {}).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  return [...inputs.flatMap((columns) => columns ?? []), ...mentioned];
}

/** Inputs and output against what the operator takes and writes. Paths are relative to the job. */
function shapeProblems(job: JobSpec, operator: OperatorInfo): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const count = job.inputs?.length ?? 0;
  const { min, max } = operator.inputs ?? { min: 0 };
  if (count < min || (max !== undefined && count > max)) {
    const takes = max === min ? `exactly ${min}` : max === undefined ? `at least ${min}` : `${min} to ${max}`;
    problems.push({
      code: 'PIPELINE_INPUTS_INVALID',
      path: '.inputs',
      message: `job "${job.id}": operator "${operator.type}" takes ${takes} input dataset(s), the job lists ${count}`,
    });
  }
  if (operator.output === 'table' && job.output === undefined) {
    problems.push({
      code: 'PIPELINE_OUTPUT_MISSING',
      path: '.output',
      message: `job "${job.id}": operator "${operator.type}" writes a table: name it in output (e.g. silver.orders)`,
    });
  }
  if (operator.output === 'none' && job.output !== undefined) {
    problems.push({
      code: 'PIPELINE_OUTPUT_UNEXPECTED',
      path: '.output',
      message: `job "${job.id}": operator "${operator.type}" writes no dataset: remove output ${job.output}`,
    });
  }
  return problems;
}

/** `partitions` against what the operator supports and what the job reads. Paths are relative to the job. */
function partitionProblems(job: JobSpec, operator: OperatorInfo, config: Record<string, unknown>): DocumentProblem[] {
  if (job.partitions === undefined) return [];
  const why =
    operator.partitions === undefined
      ? `operator "${operator.type}" cannot compute one partition at a time`
      : operator.partitions.unsupported?.(config as never);
  if (why !== undefined) {
    return [
      {
        code: 'PIPELINE_PARTITIONS_UNSUPPORTED',
        path: '.partitions',
        message: `job "${job.id}": ${why}: remove partitions, or change the job so it can`,
      },
    ];
  }
  const inputs = new Set(job.inputs ?? []);
  return Object.keys(job.partitions.inputs ?? {})
    .filter((dataset) => !inputs.has(dataset))
    .map((dataset) => ({
      code: 'PIPELINE_PARTITIONS_INVALID',
      path: appendPath('.partitions.inputs', dataset),
      message: `job "${job.id}": ${dataset} is not one of the job's inputs, so it cannot be narrowed to a partition`,
    }));
}
