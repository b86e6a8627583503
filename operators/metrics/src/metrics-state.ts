import { createHash } from 'node:crypto';
import type { OperatorColumn } from '@assay/sdk';
import type { MetricsSettings } from './metrics-config.ts';

/** What a metrics job keeps between runs, committed with its write. */
export interface MetricsState {
  readonly kind: 'metrics';
  /** Changes when the config does: a different config recomputes everything. */
  readonly configHash: string;
  /** The input dataset and the version the output reflects. */
  readonly input: string;
  readonly inputVersion: number;
  /** The output's version after the write: another version means someone else wrote or restored it. */
  readonly outputVersion: number;
  /** The output rows' columns and types: a change (an input column's type changed) recomputes everything. */
  readonly columns: string;
}

/** The state as the job kept it, or undefined when there is none or it is not a metrics state. */
export function readState(value: unknown): MetricsState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Partial<MetricsState>;
  const valid =
    state.kind === 'metrics' &&
    typeof state.configHash === 'string' &&
    typeof state.input === 'string' &&
    Number.isInteger(state.inputVersion) &&
    Number.isInteger(state.outputVersion) &&
    typeof state.columns === 'string';
  return valid ? (state as MetricsState) : undefined;
}

/**
 * A stable digest of what the output depends on: the config (keys sorted) but `incremental`, which changes how a
 * run computes the output, not what it is, and the operator version.
 */
export function configHash(config: MetricsSettings, operatorVersion: number): string {
  const { incremental: _incremental, ...shape } = config;
  return createHash('sha256')
    .update(JSON.stringify([operatorVersion, canonical(shape)]))
    .digest('hex')
    .slice(0, 32);
}

/** The output columns as one comparable string. */
export function columnsSignature(columns: readonly OperatorColumn[]): string {
  return columns.map((c) => `${c.name}:${c.type}`).join(',');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
