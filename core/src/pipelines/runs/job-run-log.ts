import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { notifyRun } from './run-notifications.ts';

/** Where a job attempt's log lines go. */
export interface JobRunLogOptions {
  readonly db: Knex;
  readonly runId: string;
  readonly jobRunId: string;
  readonly attempt: number;
  /** The process log; every line is also written there, with the run and job. */
  readonly logger: Logger;
  /** Lines stored per attempt (default 1,000); the rest are counted and summed up in one last line. */
  readonly maxLines?: number;
}

/** The logger handed to the operator, and what the run keeps of it. */
export interface JobRunLog {
  readonly logger: Logger;
  /** The last lines, for the job run's `log_excerpt`. */
  excerpt(): string;
  /** Writes what is buffered; the final call also notes lines over the limit. */
  close(): Promise<void>;
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
interface Line {
  job_run_id: string;
  attempt: number;
  at: Date;
  level: Level;
  message: string;
  fields: string | null;
}

const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const FLUSH_MS = 200;
const FLUSH_LINES = 100;
const EXCERPT_LINES = 30;
const MESSAGE_MAX = 4000;
const FIELDS_MAX = 4000;

/**
 * A logger that stores a job attempt's lines in `core_job_run_logs` (batched every 200 ms, then a NOTIFY so live
 * streams show them), keeps the last ones for the excerpt and passes everything on to the process log. Trace
 * lines only go to the process log. A failed write loses those lines, never the job.
 */
export function createJobRunLog(options: JobRunLogOptions): JobRunLog {
  const { db, runId, jobRunId, attempt } = options;
  const maxLines = options.maxLines ?? 1000;
  const processLog = options.logger.child({ runId, jobRunId, attempt });
  const buffer: Line[] = [];
  const recent: string[] = [];
  let stored = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const lines = buffer.splice(0);
    if (lines.length === 0) return writing;
    writing = writing.then(async () => {
      try {
        await db('core_job_run_logs').insert(lines);
        await notifyRun(db, runId);
      } catch (error) {
        processLog.warn({ err: error, lines: lines.length }, 'Job log lines could not be stored');
      }
    });
    return writing;
  };

  const record = (level: Level, bindings: Record<string, unknown>, args: unknown[]) => {
    const [first, second] = args;
    const fields = typeof first === 'object' && first !== null ? { ...bindings, ...plainFields(first) } : bindings;
    const message = String((typeof first === 'string' ? first : second) ?? '').slice(0, MESSAGE_MAX);
    (processLog[level] as (obj: object, msg?: string) => void).call(processLog, fields, message);
    if (level === 'trace') return;
    const at = new Date();
    recent.push(`${at.toISOString()} ${level.toUpperCase()} ${message}`);
    if (recent.length > EXCERPT_LINES) recent.shift();
    if (stored >= maxLines) {
      dropped++;
      return;
    }
    stored++;
    buffer.push({ job_run_id: jobRunId, attempt, at, level, message, fields: fieldsJson(fields) });
    if (buffer.length >= FLUSH_LINES) void flush();
    else timer ??= setTimeout(() => void flush(), FLUSH_MS);
  };

  const loggerWith = (bindings: Record<string, unknown>): Logger => {
    const logger = Object.fromEntries(
      LEVELS.map((level) => [level, (...args: unknown[]) => record(level, bindings, args)]),
    ) as unknown as Logger;
    return Object.assign(logger, { child: (more: Record<string, unknown>) => loggerWith({ ...bindings, ...more }) });
  };

  return {
    logger: loggerWith({}),
    excerpt: () => recent.join('\n'),
    async close() {
      if (dropped > 0) {
        buffer.push({
          job_run_id: jobRunId,
          attempt,
          at: new Date(),
          level: 'warn',
          message: `${dropped} more log line(s) of this attempt were not kept (limit ${maxLines})`,
          fields: null,
        });
        dropped = 0;
      }
      await flush();
    },
  };
}

/** Fields as JSON-safe values: errors become their name, code and message. */
function plainFields(value: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    fields[key] =
      field instanceof Error
        ? { name: field.name, message: field.message, ...codeOf(field) }
        : typeof field === 'bigint'
          ? field.toString()
          : field;
  }
  return fields;
}

function codeOf(error: Error): { code?: string } {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}

function fieldsJson(fields: Record<string, unknown>): string | null {
  if (Object.keys(fields).length === 0) return null;
  let json: string;
  try {
    json = JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return JSON.stringify({ unserializable: true });
  }
  return json.length > FIELDS_MAX ? JSON.stringify({ truncated: true, keys: Object.keys(fields) }) : json;
}
