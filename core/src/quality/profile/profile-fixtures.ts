// Fixture rows for the profile tests, as plain DuckDB SELECTs: what each column holds is known exactly.

/**
 * 20 orders: `order_id` 1..20 (a key); `email` an address except NULL in orders 5 and 10; `status` open / shipped /
 * cancelled (6 / 7 / 7); `amount` 2.50 × id; `ordered_on` 2024-01-01 + id days; `code` AB-101..AB-120; `qty` the
 * text of id % 7; `note` free text; `flag` true for even ids.
 */
export const ORDERS_SQL = `SELECT
  range::BIGINT AS order_id,
  CASE WHEN range % 5 = 0 AND range <= 10 THEN NULL ELSE 'user' || range || '@example.com' END AS email,
  ['open', 'shipped', 'cancelled'][(range % 3) + 1] AS status,
  (range * 2.5)::DECIMAL(10,2) AS amount,
  (DATE '2024-01-01' + range::INTEGER) AS ordered_on,
  'AB-' || (100 + range) AS code,
  CAST(range % 7 AS VARCHAR) AS qty,
  repeat('x', (range % 4)::INTEGER + 1) || ' note' AS note,
  range % 2 = 0 AS flag
FROM range(1, 21)`;

/**
 * 15 order lines without a single-column key: orders 1..5 with lines 1..3; `sku` S0/S1 alternating; `weight` a
 * DOUBLE different in every row (floats are never keys).
 */
export const LINES_SQL = `SELECT o::INTEGER AS order_id, l::INTEGER AS line_no, 'S' || ((o + l) % 2) AS sku,
  ((o * 10 + l) * 0.5)::DOUBLE AS weight
FROM range(1, 6) a(o), range(1, 4) b(l)`;
