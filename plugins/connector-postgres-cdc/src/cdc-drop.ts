import { dropSlot } from './cdc-catalog.ts';
import { connect, qualified, quoteIdent, readError, slotOf } from './cdc-client.ts';
import type { CdcConnection } from './cdc-config.ts';

/**
 * Stops capturing: drops the slots of `tables` (every table of the connection when unset) and, when every table is
 * dropped and `createPublication` is set (the connector manages it), the publication. An unused slot keeps WAL on
 * the server forever, so run this (or the SQL in the README) when a connection or stream is retired, and delete the
 * streams' state so their next load starts with a snapshot.
 *
 * @example
 * ```ts
 * import { dropCapture } from '@assay/connector-postgres-cdc';
 * await dropCapture(connectionConfig, ['public.orders']);
 * ```
 */
export async function dropCapture(
  config: CdcConnection,
  tables: readonly string[] = config.tables,
): Promise<{ slots: string[]; publication?: string }> {
  const admin = await connect(config).catch((error: unknown) => {
    throw readError(error, config);
  });
  try {
    const slots = tables.map((t) => slotOf(config, qualified(t)));
    for (const slot of slots) await dropSlot(admin, slot);
    const all = config.tables.every((t) => tables.map(qualified).includes(qualified(t)));
    if (!all || !config.createPublication) return { slots };
    await admin.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(config.publication)}`);
    return { slots, publication: config.publication };
  } catch (error) {
    throw readError(error, config);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
