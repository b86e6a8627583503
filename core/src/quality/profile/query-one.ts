import type { EngineSession } from '../../engine/engine-session.ts';

/** The single row of an aggregate query (every profile query is one), as JSON-safe values. */
export async function queryOne(session: EngineSession, sql: string): Promise<Record<string, unknown>> {
  let first: Record<string, unknown> | undefined;
  for await (const chunk of session.stream(sql)) first ??= chunk[0];
  if (first === undefined) throw new Error(`A profile query returned no row: ${sql.slice(0, 200)}`);
  return first;
}
