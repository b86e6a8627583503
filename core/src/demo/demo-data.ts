import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { literal } from '../engine/dataset-view.ts';

/** The size of the generated retail data; the defaults are what `assay demo` uses. */
export interface DemoDataSize {
  /** Days of point-of-sale drops, ending with `lastDay`. */
  readonly days: number;
  /** Sales lines per day, before the duplicates the tills send twice. */
  readonly salesPerDay: number;
  /** `YYYY-MM-DD`. */
  readonly lastDay: string;
  readonly products: number;
}

export const DEMO_DATA_SIZE: DemoDataSize = { days: 7, salesPerDay: 1500, lastDay: '2026-11-30', products: 300 };

const CATEGORIES = ['bakery', 'beverages', 'dairy', 'frozen', 'household', 'produce', 'snacks', 'personal care'];
const REGIONS = ['north', 'south', 'east', 'west'];

/**
 * Writes one point-of-sale CSV per day to `<dir>/pos/sales-<day>.csv`, as shop tills export them: sale id, store,
 * region, a SKU as typed at the till (some in lower case with stray spaces, 1 in 50 unknown to the catalog, some of
 * products no longer sold), quantity, unit price, payment method and the time of sale; every 100th line is sent
 * twice. Deterministic: hashes of the line number, no randomness, so the expected counts are fixed.
 */
export async function writeDemoSales(dir: string, size: DemoDataSize = DEMO_DATA_SIZE): Promise<string[]> {
  const folder = join(dir, 'pos');
  await mkdir(folder, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files: string[] = [];
  try {
    for (let offset = size.days - 1; offset >= 0; offset--) {
      const day = new Date(Date.parse(`${size.lastDay}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);
      const file = join(folder, `sales-${day}.csv`);
      await connection.run(`COPY (${salesSql(day, size)}) TO ${literal(file)} (HEADER, DELIMITER ',')`);
      files.push(file);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return files;
}

function salesSql(day: string, size: DemoDataSize): string {
  // h(n): a stable pseudo-random number per line and purpose.
  const h = (salt: number) => `(hash(i * 7919 + ${salt} + epoch(DATE ${literal(day)})::BIGINT) % 1000000)`;
  const product = `(${h(1)} % ${size.products} + 1)::INTEGER`;
  const sku = `'SKU-' || lpad(${product}::VARCHAR, 4, '0')`;
  const store = `(${h(2)} % 12 + 1)::INTEGER`;
  const regions = `[${REGIONS.map(literal).join(', ')}]`;
  return `
    WITH lines AS (
      SELECT i,
        'S' || replace(${literal(day)}, '-', '') || '-' || lpad(i::VARCHAR, 5, '0') AS sale_id,
        ${store} AS store_id,
        CASE
          WHEN i % 50 = 7 THEN 'SKU-9' || lpad((i % 1000)::VARCHAR, 3, '0')
          WHEN i % 40 = 3 THEN '  ' || lower(${sku}) || ' '
          ELSE ${sku}
        END AS sku,
        (${h(3)} % 5 + 1)::INTEGER AS quantity,
        round(1.5 + (${product} * 37 % 9850) / 100.0, 2) AS unit_price,
        CASE WHEN ${h(4)} % 3 = 0 THEN 'cash' ELSE 'card' END AS payment,
        TIMESTAMP ${literal(`${day} 08:00:00`)} + to_seconds((${h(5)} % 43200)::BIGINT) AS sold_at
      FROM range(1, ${size.salesPerDay + 1}) AS t(i)
    )
    SELECT sale_id, store_id, (${regions})[(store_id - 1) % 4 + 1] AS region, sku, quantity, unit_price, payment,
      strftime(sold_at, '%Y-%m-%d %H:%M:%S') AS sold_at
    FROM lines, range(CASE WHEN i % 100 = 0 THEN 2 ELSE 1 END)
    ORDER BY sale_id`;
}

/**
 * Creates (or refills) the product catalog `retail.products` in the database `db` points at: SKU, name, category,
 * list price, whether it is still sold (1 in 10 is not), and when it last changed. Deterministic like the sales.
 */
export async function writeDemoCatalog(db: Knex, size: DemoDataSize = DEMO_DATA_SIZE): Promise<void> {
  const categories = `ARRAY[${CATEGORIES.map(literal).join(', ')}]`;
  await db.transaction(async (trx) => {
    await trx.raw('create schema if not exists retail');
    await trx.raw('drop table if exists retail.products');
    await trx.raw(`
      create table retail.products (
        sku text primary key,
        name text not null,
        category text not null,
        list_price numeric(10, 2) not null,
        is_active boolean not null,
        updated_at timestamptz not null
      )`);
    await trx.raw(
      `insert into retail.products
       select 'SKU-' || lpad(i::text, 4, '0'),
         initcap((${categories})[i % ${CATEGORIES.length} + 1]) || ' item ' || i,
         (${categories})[i % ${CATEGORIES.length} + 1],
         round(1.5 + (i * 37 % 9850) / 100.0, 2),
         i % 10 <> 0,
         timestamptz '2026-01-01 00:00:00+00' + make_interval(days => i % 300)
       from generate_series(1, ?) as i`,
      [size.products],
    );
  });
}
