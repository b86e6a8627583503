/** Prints rows as an aligned text table (for humans; `--json` is for scripts), to stdout unless `out` is given. */
export function printTable(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns?: readonly string[],
  out: (line: string) => void = (line) => console.log(line),
): void {
  const names = columns ?? Object.keys(rows[0] ?? {});
  if (names.length === 0) return;
  const cell = (value: unknown) =>
    value === null || value === undefined ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const widths = names.map((name) => Math.min(60, Math.max(name.length, ...rows.map((row) => cell(row[name]).length))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out(line([...names]));
  out(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) out(line(names.map((name) => cell(row[name]))));
  out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
}
