import { checkConfig } from './check-config.ts';
import type { DocumentProblem } from './document-problem.ts';
import { appendPath, formatPath, type PathSegment } from './document-path.ts';
import type { JobCheck, JobSpec } from './pipeline-document.ts';
import type { OperatorInfo, PipelineValidationContext } from './validate-pipeline.ts';

/** The operator whose `config.streamConfig` is checked against the connection's connector. */
const INGEST_OPERATOR = 'ingest';

/**
 * Checks one job against its operator and the workspace and returns it normalized (version pinned, config with
 * defaults and `connection`). A job whose operator is unknown comes back as written.
 */
export function validateJob(
  job: JobSpec,
  index: number,
  context: PipelineValidationContext,
): { job: JobSpec; problems: DocumentProblem[] } {
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
  const checks = job.checks?.map((entry, position) => {
    const result = validateCheck(entry, ['spec', 'jobs', index, 'checks', position], job.id, context);
    problems.push(...result.problems);
    return result.check;
  });
  const normalized: JobSpec = { ...job, version: operator.version, config: normalizedConfig };
  if (checks !== undefined) normalized.checks = checks;
  return { job: normalized, problems };
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

/** A declared check: its type installed, its other properties valid for that type. */
function validateCheck(
  entry: JobCheck,
  base: readonly PathSegment[],
  jobId: string,
  context: PipelineValidationContext,
): { check: JobCheck; problems: DocumentProblem[] } {
  const type = context.check(entry.check);
  if (type === undefined) {
    // A check that cannot run must never pass silently: refusing it is the only safe answer.
    const message =
      `job "${jobId}": check type "${entry.check}" is not installed, so the check could never run: ` +
      'install the plugin that provides it or remove the check';
    return {
      check: entry,
      problems: [{ code: 'PIPELINE_CHECK_UNKNOWN', path: formatPath([...base, 'check']), message }],
    };
  }
  // The properties every check has are the runner's; the rest is the check type's config.
  const { check, action, id, where, mostly, fix, weight, ...settings } = entry;
  const common = Object.fromEntries(
    Object.entries({ action, id, where, mostly, fix, weight }).filter(([, value]) => value !== undefined),
  );
  const checked = checkConfig(type.config, settings, { code: 'PIPELINE_CONFIG_INVALID', base });
  return { check: { check, ...common, ...checked.value }, problems: checked.problems };
}
