// The documents the quality journeys share: a file connection over the test's directory and a pipeline whose first
// job lands order files (order_id, email, amount) into bronze.orders. Each journey adds its own jobs.

/** A Connection `order-files` reading `root`, then a Pipeline `orders` landing `glob` and the YAML of `jobs`. */
export function orderDocuments(root: string, glob: string, jobs: string): string {
  return `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: order-files }
spec:
  type: file
  config: { source: server, root: ${JSON.stringify(root)} }
---
apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: orders }
spec:
  jobs:
    - id: land
      operator: ingest
      connection: order-files
      config:
        stream: orders
        streamConfig: { glob: '${glob}' }
        options:
          schema:
            mode: declared
            columns:
              - { name: order_id, type: BIGINT }
              - { name: email, type: VARCHAR }
              - { name: amount, type: 'DECIMAL(10,2)' }
      output: bronze.orders
${jobs}`;
}
