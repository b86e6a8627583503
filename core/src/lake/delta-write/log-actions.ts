import type { AddAction, MetadataAction, ProtocolAction, RemoveAction, TxnAction } from '../delta/delta-actions.ts';

/** What a writer records about a commit in `commitInfo` (Delta leaves it free-form; these are Assay's keys). */
export interface CommitProvenance {
  /** Delta operation name: `CREATE TABLE`, `WRITE`, `DELETE`, `MERGE`, `RESTORE`, `VACUUM END`, ... */
  readonly operation: string;
  readonly operationParameters?: Readonly<Record<string, unknown>>;
  readonly operationMetrics?: Readonly<Record<string, number>>;
  readonly runId?: string;
  readonly user?: string;
}

/** The actions of one commit, in the order they are written. */
export interface CommitActions {
  readonly provenance: CommitProvenance;
  readonly protocol?: ProtocolAction;
  readonly metaData?: MetadataAction;
  readonly txn?: TxnAction;
  readonly removes?: readonly RemoveAction[];
  readonly adds?: readonly AddAction[];
}

/** Reader 1 / writer 2: the protocol every Assay table is written with, readable by every Delta reader. */
export const ASSAY_PROTOCOL: ProtocolAction = Object.freeze({ minReaderVersion: 1, minWriterVersion: 2 });

/**
 * Serializes a commit as the newline-delimited JSON of a `_delta_log/<version>.json` file: `commitInfo` first (as
 * Spark and delta-rs write it), then protocol, metaData, txn, removes and adds. `add.stats` stays the JSON text the
 * stats reader produced, so 64-bit bounds keep their precision.
 */
export function serializeCommit(actions: CommitActions, timestamp: number, engineInfo: string): string {
  const { provenance } = actions;
  const lines: string[] = [
    JSON.stringify({
      commitInfo: {
        timestamp,
        operation: provenance.operation,
        operationParameters: stringValues(provenance.operationParameters ?? {}),
        ...(provenance.operationMetrics === undefined
          ? {}
          : { operationMetrics: stringValues(provenance.operationMetrics) }),
        ...(provenance.runId === undefined ? {} : { assayRunId: provenance.runId }),
        ...(provenance.user === undefined ? {} : { userName: provenance.user }),
        isBlindAppend: (actions.removes ?? []).length === 0 && provenance.operation === 'WRITE',
        engineInfo,
      },
    }),
  ];
  if (actions.protocol !== undefined) lines.push(JSON.stringify({ protocol: actions.protocol }));
  if (actions.metaData !== undefined) lines.push(JSON.stringify({ metaData: actions.metaData }));
  if (actions.txn !== undefined) lines.push(JSON.stringify({ txn: actions.txn }));
  for (const remove of actions.removes ?? []) lines.push(JSON.stringify({ remove }));
  for (const add of actions.adds ?? []) lines.push(JSON.stringify({ add }));
  return `${lines.join('\n')}\n`;
}

/** Delta stores operation parameters and metrics as strings (Spark's convention, which readers expect). */
function stringValues(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}
