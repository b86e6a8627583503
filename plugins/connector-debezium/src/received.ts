import type { ConnectorState } from '@assay/sdk';

/** One message of a transport: its body (null for a tombstone) and its place in the transport's order. */
export interface TransportMessage {
  readonly body: Buffer | null;
  /** Sorts in delivery order: a JetStream stream sequence, a file and line, a per-load counter (20 digits). */
  readonly position: string;
}

/** Messages received in one load, and how to acknowledge them once the load is committed. */
export interface Received {
  readonly messages: readonly TransportMessage[];
  /** Redelivered messages recognised as already committed (acknowledged, not read again). */
  readonly duplicates: number;
  /** State to commit with the messages' rows. */
  readonly state: ConnectorState;
  /** Acknowledges every message (after the commit); then closes the transport. */
  acknowledge(): Promise<void>;
  /** Closes without acknowledging: the messages will be delivered again. */
  close(): Promise<void>;
}

export function sequenceText(n: number): string {
  return String(n).padStart(20, '0');
}
