/**
 * A log sequence number as a bigint. Accepts PostgreSQL's `16/B374D848` and the 16-hex-digit form this connector
 * writes (`00000016B374D848`).
 */
export function lsnValue(lsn: string): bigint {
  if (lsn.includes('/')) {
    const [high = '0', low = '0'] = lsn.split('/');
    return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
  }
  if (!/^[0-9A-Fa-f]{1,16}$/.test(lsn)) throw new TypeError(`"${lsn}" is not a log sequence number`);
  return BigInt(`0x${lsn}`);
}

/** 16 upper-case hex digits, zero-padded: text that sorts like the position itself. */
export function lsnKey(lsn: bigint): string {
  return lsn.toString(16).toUpperCase().padStart(16, '0');
}

/** PostgreSQL's own notation, `16/B374D848`, as `START_REPLICATION` and `pg_replication_slot_advance` take it. */
export function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * The `source_position` of one change: its transaction's commit LSN and its place in the transaction (snapshot
 * rows: the snapshot's position and the row's number), `00000016B374D848:0000000001`.
 */
export function changePosition(lsn: bigint, sequence: number): string {
  return `${lsnKey(lsn)}:${String(sequence).padStart(10, '0')}`;
}
