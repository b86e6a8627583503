import type { BackfillPreview, BackfillPreviewJob } from '../pipelines/backfill/backfill-preview.ts';
import { printTable } from './print-table.ts';

/**
 * A backfill preview as the CLI prints it: a heading with the range, a table with a row per job (mode, grain, its
 * partitions with the first and last key, the input rows and bytes it would read, inputs not written yet), the
 * datasets it rewrites and the totals, and whether starting it needs a confirmation.
 */
export function backfillPreviewLines(pipeline: string, preview: BackfillPreview): string[] {
  const lines = [`Backfill of ${pipeline} v${preview.version} from ${preview.from} to ${preview.to}:`];
  printTable(
    preview.jobs.map((job) => ({
      job: job.job,
      operator: job.operator,
      mode: job.mode === 'partitions' ? 'by partition' : 'whole',
      grain: job.grain ?? '-',
      partitions: partitionsCell(job),
      'rows read (est.)': job.estimatedRows === null ? 'unknown' : job.estimatedRows.toLocaleString('en-US'),
      'bytes read (est.)': humanBytes(job.estimatedBytes),
      'missing inputs': job.inputsMissing.join(', ') || '-',
    })),
    undefined,
    (line) => lines.push(line),
  );
  lines.pop(); // printTable's row count: the totals below say more
  const rewritten = preview.jobs
    .filter((job) => job.output !== null)
    .map((job) => `${job.output} (${job.mode === 'partitions' ? `${job.partitions.length} partitions` : 'whole'})`);
  lines.push(`Rewrites: ${rewritten.join(', ') || 'no dataset'}`);
  lines.push(
    `Total: ${preview.partitions} partition job run(s), ${preview.tasks} job run(s) in all` +
      (preview.jobs.some((job) => job.inputsMissing.length > 0)
        ? '; inputs not written yet are not in the estimates'
        : ''),
  );
  if (preview.needsConfirmation) {
    lines.push(
      `This backfill has more partitions than pipelines.backfillConfirmAbove (${preview.confirmAbove}): ` +
        'it starts only when confirmed',
    );
  }
  return lines;
}

/** `3: 2026-01-01 … 2026-01-03`, `1: 2026-01-02`, or `-` for a job that runs whole. */
function partitionsCell(job: BackfillPreviewJob): string {
  const [first] = job.partitions;
  const last = job.partitions.at(-1);
  if (first === undefined) return '-';
  return `${job.partitions.length}: ${first === last ? first : `${first} … ${last}`}`;
}

/** Bytes for people, in powers of 1024: `812 B`, `1.5 KiB`, `12.0 MiB`. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
