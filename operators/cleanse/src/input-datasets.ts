import { InputError } from '@assay/sdk';
import type { CleanseSettings } from './cleanse-config.ts';

/** The dataset to cleanse: `config.input`, or the first input no lookup reads. */
export function mainInput(job: string, config: CleanseSettings, inputs: readonly string[]): string {
  if (config.input !== undefined) {
    if (inputs.includes(config.input)) return config.input;
    throw new InputError(
      `Job "${job}": config.input is "${config.input}", which is not one of the job's inputs (${inputs.join(', ')})`,
      { code: 'CLEANSE_INPUT_NOT_FOUND', details: { job, path: 'config.input', input: config.input, inputs } },
    );
  }
  const references = referencePaths(config);
  const input = inputs.find((dataset) => !references.has(dataset));
  if (input === undefined) {
    throw new InputError(
      `Job "${job}": every input is a lookup's reference; name the dataset to cleanse in config.input`,
      {
        code: 'CLEANSE_INPUT_NOT_FOUND',
        details: { job, path: 'config.input', inputs },
      },
    );
  }
  return input;
}

/** Reference dataset → the first config path naming it. */
export function referencePaths(config: CleanseSettings): Map<string, string> {
  const paths = new Map<string, string>();
  config.columns.forEach((rule, i) => {
    if (rule.nulls?.action === 'lookup' && !paths.has(rule.nulls.dataset)) {
      paths.set(rule.nulls.dataset, `config.columns[${i}].nulls.dataset`);
    }
  });
  config.lookups.forEach((lookup, i) => {
    if (!paths.has(lookup.dataset)) paths.set(lookup.dataset, `config.lookups[${i}].dataset`);
  });
  return paths;
}
