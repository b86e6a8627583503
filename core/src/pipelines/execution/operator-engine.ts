import { InputError, type InputChanges, type OperatorColumn, type OperatorEngine } from '@assay/sdk';
import { inputChanges } from './input-changes.ts';
import type { PinnedInput } from './job-inputs.ts';
import type { JobSession } from './job-session.ts';

const DEFAULT_LIMIT = 1_000;
const MAX_LIMIT = 100_000;

/**
 * `ctx.engine`: read-only SQL over the job's input views, and their changes since earlier versions. Every statement passes the session's SQL guard (one
 * SELECT/WITH, only the inputs, no file functions) before anything else is done with it.
 */
export function createOperatorEngine(session: JobSession, inputs: readonly PinnedInput[]): OperatorEngine {
  const describe = async (sql: string): Promise<OperatorColumn[]> => (await session.get()).describe(statementOf(sql));
  const changes = new Map<string, { since: number; result: Promise<InputChanges | undefined> }>();
  return {
    describe,
    changes(dataset, since) {
      // One pair of views per input: asking again for the same version answers the same, another is refused.
      const asked = changes.get(dataset);
      if (asked !== undefined && asked.since !== since) {
        throw new InputError(`changes(${dataset}) was asked since version ${asked.since} already: once per input`, {
          code: 'ENGINE_CHANGES_INVALID',
          details: { dataset, since, asked: asked.since },
        });
      }
      if (asked !== undefined) return asked.result;
      const result = inputChanges(inputs, session, dataset, since);
      changes.set(dataset, { since, result });
      return result;
    },
    async query(sql, options = {}) {
      const limit = options.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new InputError(`query limit must be an integer from 1 to ${MAX_LIMIT}, not ${String(limit)}`, {
          code: 'QUERY_LIMIT_INVALID',
        });
      }
      // Checked as written first, so a refusal names the user's statement rather than the wrapper below.
      await describe(sql);
      const rows: Record<string, unknown>[] = [];
      const open = await session.get();
      for await (const chunk of open.stream(`SELECT * FROM (\n${statementOf(sql)}\n) AS assay_query LIMIT ${limit}`)) {
        rows.push(...chunk);
      }
      return rows;
    },
  };
}

/** The statement without trailing semicolons, so it can be embedded in a larger one. */
export function statementOf(sql: string): string {
  return sql
    .trim()
    .replace(/;+\s*$/, '')
    .trimEnd();
}
