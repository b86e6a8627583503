/** The names the demo's documents use. */
export const DEMO_PIPELINE = 'retail';
export const DEMO_POS_CONNECTION = 'pos-drop';
export const DEMO_CATALOG_CONNECTION = 'catalog';
/** The Gold tables the demo publishes. */
export const DEMO_GOLD_DATASETS = ['gold.fct_sales', 'gold.daily_sales_by_category_region'] as const;

/** Where the demo's product catalog lives: a database on the platform's PostgreSQL server. */
export interface DemoCatalog {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Empty for trust authentication; otherwise passed as `${env:ASSAY_DEMO_CATALOG_PASSWORD}`. */
  readonly password: string;
}

/**
 * The retail demo as documents, exactly as a user would keep them in git (`assay export` gives them back): the tills'
 * CSV drop and the catalog database as connections, and the pipeline from Bronze to Gold.
 */
export function demoDocuments(catalog: DemoCatalog): string {
  const password = catalog.password === '' ? '' : '\n    password: ${env:ASSAY_DEMO_CATALOG_PASSWORD}';
  return `apiVersion: assay.dev/v1
kind: Connection
metadata:
  name: ${DEMO_POS_CONNECTION}
  description: The tills' daily point-of-sale exports, dropped as CSV files
spec:
  type: file
  config: { source: upload }
---
apiVersion: assay.dev/v1
kind: Connection
metadata:
  name: ${DEMO_CATALOG_CONNECTION}
  description: The product catalog database
spec:
  type: postgres
  config:
    host: ${catalog.host}
    port: ${catalog.port}
    database: ${catalog.database}
    user: ${catalog.user}${password}
    schemas: [retail]
---
apiVersion: assay.dev/v1
kind: Pipeline
metadata:
  name: ${DEMO_PIPELINE}
  description: Shop sales from the tills and the product catalog, from Bronze to Gold
  labels: { demo: retail }
spec:
  jobs:
    # Bronze: the sales lines exactly as the tills sent them, and the products still sold.
    - id: pos_sales
      operator: ingest
      connection: ${DEMO_POS_CONNECTION}
      config:
        stream: sales
        streamConfig: { glob: 'pos/*.csv' }
        options:
          schema:
            mode: declared
            columns:
              - { name: sale_id, type: VARCHAR }
              - { name: store_id, type: INTEGER }
              - { name: region, type: VARCHAR }
              - { name: sku, type: VARCHAR }
              - { name: quantity, type: INTEGER }
              - { name: unit_price, type: 'DECIMAL(10,2)' }
              - { name: payment, type: VARCHAR }
              - { name: sold_at, type: TIMESTAMP }
      output: bronze.pos_sales
    - id: products
      operator: ingest
      connection: ${DEMO_CATALOG_CONNECTION}
      config:
        stream: products
        streamConfig: { query: 'SELECT sku, name, category, list_price, updated_at FROM retail.products WHERE is_active' }
        # Each load brings the whole catalog: merged by SKU, so Bronze keeps one row per product.
        options: { dedupeKeys: [sku] }
      output: bronze.products

    # Silver: clean sales lines (SKUs as the catalog spells them, one line per sale id, each with its product's
    # category; unknown and discontinued SKUs go to quarantine), and the product dimension with its history.
    - id: sales
      operator: cleanse
      inputs: [bronze.pos_sales, bronze.products]
      config:
        input: bronze.pos_sales
        columns:
          - column: sku
            steps: [{ op: trim }, { op: case, to: upper }]
          - column: payment
            steps: [{ op: trim }, { op: case, to: lower }]
        businessKey: [sale_id]
        dedupe: { keep: first }
        lookups:
          - dataset: bronze.products
            keys: [{ column: sku }]
            columns: [{ column: category }]
            onNoMatch: quarantine
        write: { mode: merge }
      output: silver.sales
    - id: dim_product
      operator: scd2
      inputs: [bronze.products]
      config:
        businessKey: [sku]
        input: snapshot
        effectiveFrom: updated_at
        deletes: { policy: invalidate }
      output: silver.dim_product

    # Gold: the sales fact with product keys as of the time of sale, and daily sales by category and region.
    - id: fct_sales
      operator: fact
      inputs: [silver.sales, silver.dim_product]
      config:
        source: silver.sales
        eventTime: sold_at
        dimensions:
          - { dataset: silver.dim_product, businessKey: [sku], surrogateKey: sk, keyColumn: product_key }
        attributes: [sale_id, sold_at, store_id, region, category, payment]
        measures:
          - { name: quantity }
          - { name: unit_price, type: 'DECIMAL(10,2)' }
        grain: [sale_id]
      output: gold.fct_sales
    - id: daily_sales
      operator: metrics
      inputs: [gold.fct_sales]
      config:
        measures:
          - { name: revenue, type: expression, sql: 'sum(quantity * unit_price)' }
          - { name: units, type: sum, column: quantity }
          - { name: sales, type: count }
          - { name: avg_sale, type: ratio, numerator: revenue, denominator: sales }
        dimensions: [category, region]
        time: { column: sold_at, grain: day, periodColumn: day }
      output: gold.daily_sales_by_category_region
`;
}
