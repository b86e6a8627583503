import type { Scd2Settings } from './scd2-config.ts';

/** What a run of the job remembers for the next. */
export interface Scd2State {
  /** The input version the run read, and the config it ran with (canonical JSON). */
  readonly input: { readonly dataset: string; readonly version: number };
  readonly config: string;
  /** The output version after the run: a later run finding it unchanged, with the same input, has nothing to do. */
  readonly output: number | undefined;
  /** The last restateFrom applied: a restatement runs once per value. */
  readonly restatedFrom: string | undefined;
}

/** The job state as this operator wrote it; undefined for anything else (a first run, another operator's state). */
export function readState(value: unknown): Scd2State | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Partial<Scd2State>;
  const input = state.input;
  if (typeof input?.dataset !== 'string' || typeof input.version !== 'number' || typeof state.config !== 'string') {
    return undefined;
  }
  return {
    input: { dataset: input.dataset, version: input.version },
    config: state.config,
    output: typeof state.output === 'number' ? state.output : undefined,
    restatedFrom: typeof state.restatedFrom === 'string' ? state.restatedFrom : undefined,
  };
}

/** The config as canonical JSON (keys sorted at every level), so equal configs compare equal. */
export function configFingerprint(config: Scd2Settings): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  };
  return JSON.stringify(canonical(config));
}
