import { UserError } from '@assay/sdk';
import type pg from 'pg';
import { quoteIdent, quoteTable } from './cdc-client.ts';
import type { CdcConnection } from './cdc-config.ts';

/** A captured table: its columns in order and the columns that identify a row. */
export interface CapturedTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** The primary key, else the replica identity index; empty when the table has neither. */
  readonly keyColumns: readonly string[];
}

export async function describeTable(admin: pg.Client, table: string): Promise<CapturedTable> {
  const found = await admin.query<{ oid: number }>('SELECT to_regclass($1)::oid AS oid', [quoteTable(table)]);
  const oid = found.rows[0]?.oid;
  if (oid === null || oid === undefined) {
    throw new UserError(`Table ${table} does not exist in the source database`, {
      code: 'CDC_TABLE_NOT_FOUND',
      details: { table },
    });
  }
  const columns = await admin.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  );
  const keys = await admin.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1
        AND i.indexrelid = (SELECT indexrelid FROM pg_index WHERE indrelid = $1 AND (indisprimary OR indisreplident)
                             ORDER BY indisprimary DESC LIMIT 1)
      ORDER BY k.n`,
    [oid],
  );
  return { name: table, columns: columns.rows.map((c) => c.name), keyColumns: keys.rows.map((k) => k.name) };
}

/**
 * Makes sure the publication exists and holds `table`. With `createPublication` a missing publication is created
 * for every listed table, and a listed table it lacks is added; otherwise both are errors naming the fix.
 */
export async function ensurePublication(admin: pg.Client, config: CdcConnection, table: string): Promise<void> {
  const { publication } = config;
  const exists = await admin.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (exists.rowCount === 0) {
    if (!config.createPublication) {
      throw new UserError(
        `Publication "${publication}" does not exist: CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${quoteTable(table)}, or set createPublication: true`,
        { code: 'CDC_PUBLICATION_NOT_FOUND', details: { publication } },
      );
    }
    const tables = [...new Set([table, ...config.tables.map((t) => (t.includes('.') ? t : `public.${t}`))])];
    const present: string[] = [];
    for (const t of tables) {
      const found = await admin.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [quoteTable(t)]);
      if (found.rows[0]?.oid !== null && found.rows[0]?.oid !== undefined) present.push(t);
    }
    // Changes of a partitioned table are published under its own name, not its partitions'.
    const version = Number(
      (await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v,
    );
    const options = version >= 130000 ? ' WITH (publish_via_partition_root = true)' : '';
    await admin.query(
      `CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${present.map(quoteTable).join(', ')}${options}`,
    );
    return;
  }
  const member = await admin.query(
    `SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
      WHERE p.pubname = $1 AND pr.prrelid = to_regclass($2)
     UNION ALL SELECT 1 FROM pg_publication WHERE pubname = $1 AND puballtables`,
    [publication, quoteTable(table)],
  );
  if (member.rowCount !== 0) return;
  if (!config.createPublication) {
    throw new UserError(
      `Publication "${publication}" does not publish ${table}: ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${quoteTable(table)}`,
      { code: 'CDC_TABLE_NOT_PUBLISHED', details: { publication, table } },
    );
  }
  await admin.query(`ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${quoteTable(table)}`);
}

/** A replication slot as the server sees it. */
export interface SlotStatus {
  /** Dropped WAL it still needed (`wal_status = 'lost'`) or invalidated otherwise: it can no longer stream. */
  readonly lost: boolean;
  readonly plugin: string | null;
  readonly confirmedFlush: string | null;
}

export async function slotStatus(admin: pg.Client, slot: string): Promise<SlotStatus | undefined> {
  const result = await admin.query<{ wal_status: string | null; plugin: string | null; confirmed: string | null }>(
    `SELECT wal_status, plugin, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return { lost: row.wal_status === 'lost', plugin: row.plugin, confirmedFlush: row.confirmed };
}

/** Drops a slot, waiting a moment for a walsender that is letting go of it. */
export async function dropSlot(admin: pg.Client, slot: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
        slot,
      ]);
      return;
    } catch (error) {
      if (attempt >= 50 || !/is active/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
