/** `16/B374D848` → a 16-hex-digit text that sorts like the position itself. */
export function lsnKey(lsn: string): string {
  const [high = '0', low = '0'] = lsn.split('/');
  return `${high.padStart(8, '0')}${low.padStart(8, '0')}`.toUpperCase();
}

/** The position of one change: its transaction's commit LSN and its place in the transaction. */
export function changePosition(commitLsn: string, sequence: number): string {
  return `${lsnKey(commitLsn)}:${String(sequence).padStart(8, '0')}`;
}

export function lsnAfter(a: string, b: string): boolean {
  return lsnKey(a) > lsnKey(b);
}
