import { InputError, type OperatorDefinition } from '@assay/sdk';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/** What a job declares, as the executor checks it against its operator. */
export interface JobShape {
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly inputs: readonly string[];
  readonly output?: string | undefined;
}

/**
 * The job's config with the schema's defaults filled in, checked against the operator's schema once more (the
 * document layer did when the pipeline was saved, but an operator upgrade or a hand-edited row must not reach `run`
 * unchecked): `JOB_CONFIG_INVALID` with the JSON path of the first problem.
 */
export function validatedConfig(definition: OperatorDefinition, job: JobShape): Record<string, unknown> {
  const withDefaults = Value.Default(definition.config, structuredClone(job.config)) as Record<string, unknown>;
  const error = Compile(definition.config).Errors(withDefaults)[0];
  if (error !== undefined) {
    const path = `config${error.instancePath.replace(/\//g, '.')}`;
    throw new InputError(
      `Job "${job.id}" (operator ${definition.type} v${definition.version}): ${path} ${error.message}; fix the job's config`,
      { code: 'JOB_CONFIG_INVALID', details: { job: job.id, path } },
    );
  }
  return withDefaults;
}

/** Refuses a job whose inputs or output do not fit what the operator declares. */
export function assertJobShape(definition: OperatorDefinition, job: JobShape): void {
  const { min, max } = definition.inputs ?? { min: 0 };
  const count = job.inputs.length;
  if (count < min || (max !== undefined && count > max)) {
    const wanted = max === undefined ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
    throw new InputError(
      `Job "${job.id}": operator ${definition.type} takes ${wanted} input dataset(s), the job names ${count}`,
      { code: 'JOB_INPUTS_INVALID', details: { job: job.id, inputs: [...job.inputs] } },
    );
  }
  if (definition.output === 'table' && job.output === undefined) {
    throw new InputError(`Job "${job.id}": operator ${definition.type} writes a table; give the job an output`, {
      code: 'JOB_OUTPUT_MISSING',
      details: { job: job.id },
    });
  }
  if (definition.output === 'none' && job.output !== undefined) {
    throw new InputError(
      `Job "${job.id}": operator ${definition.type} writes no table, so the job cannot have an output`,
      { code: 'JOB_OUTPUT_NOT_ALLOWED', details: { job: job.id, output: job.output } },
    );
  }
}
