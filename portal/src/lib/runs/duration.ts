/** A duration as people read it: `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`; `—` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  return `${Math.floor(whole / 3600)} h ${pad(Math.floor((whole % 3600) / 60))} min`;
}

/** How long a run or job has taken: its recorded duration, or the time since it started while it runs. */
export function elapsed(
  item: { durationMs: number | null; startedAt: string | null; finishedAt: string | null },
  now: number,
): number | null {
  if (item.durationMs !== null) return item.durationMs;
  if (item.startedAt === null || item.finishedAt !== null) return null;
  return now - Date.parse(item.startedAt);
}
