// Operators and documents for the tests of pipeline documents, apply and export: small operators with real
// schemas (a connection field, defaults, a minimum) that do nothing when run.
import { defineCheck, defineOperator, definePlugin, Type } from '@assay/sdk';
import { FIXTURE_TOKEN, fixtureConnector } from '../ingest/ingest-fixtures.ts';

export { FIXTURE_TOKEN };

const loadOperator = defineOperator({
  type: 'load',
  version: 1,
  title: 'Load files',
  category: 'bronze',
  config: Type.Object(
    {
      connection: Type.String({ minLength: 1 }),
      path: Type.String({ minLength: 1 }),
      format: Type.String({ default: 'csv' }),
    },
    { additionalProperties: false },
  ),
  inputs: { min: 0, max: 0 },
  output: 'table',
  run: async () => ({}),
});

const transformOperator = defineOperator({
  type: 'transform',
  version: 1,
  title: 'Transform',
  category: 'silver',
  config: Type.Object(
    {
      sql: Type.String({ minLength: 1 }),
      keys: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    },
    { additionalProperties: false },
  ),
  inputs: { min: 1 },
  output: 'table',
  run: async () => ({}),
});

const notNullCheck = defineCheck({
  type: 'not-null',
  version: 1,
  title: 'Not null',
  config: Type.Object({ column: Type.String({ minLength: 1 }) }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} IS NOT NULL` }),
});

/** The fixture connector (`fixture-files`, secret `token`) plus the `load` and `transform` operators. */
export const pipelineFixturePlugin = definePlugin({
  id: 'pipeline-fixture',
  platform: '^0.1.0',
  connectors: [fixtureConnector],
  operators: [loadOperator, transformOperator],
  checks: [notNullCheck],
});

/** A Connection document of the fixture connector reading `directory`. */
export function connectionYaml(name: string, directory: string, token = FIXTURE_TOKEN, extra = ''): string {
  return `apiVersion: assay.dev/v1
kind: Connection
metadata:
  name: ${name}
${extra}spec:
  type: fixture-files
  config:
    directory: ${directory}
    token: ${JSON.stringify(token)}
`;
}

/** A two-job Pipeline document: `load` from `connection` into bronze, `transform` into silver. */
export function pipelineYaml(name: string, options: { connection?: string; cron?: string; sql?: string } = {}): string {
  return `apiVersion: assay.dev/v1
kind: Pipeline
metadata:
  name: ${name}
  description: Sales from the shop
spec:
${options.cron === undefined ? '' : `  schedule: { cron: "${options.cron}", timezone: Europe/Amsterdam }\n`}  jobs:
    - id: ${name.replace(/-/g, '_')}_raw
      operator: load
      connection: ${options.connection ?? 'files'}
      config: { path: "orders/*.csv" }
      output: bronze.${name.replace(/-/g, '_')}_raw
    - id: ${name.replace(/-/g, '_')}_clean
      operator: transform
      inputs: [bronze.${name.replace(/-/g, '_')}_raw]
      config:
        sql: ${JSON.stringify(options.sql ?? 'SELECT * FROM raw')}
      output: silver.${name.replace(/-/g, '_')}
      checks:
        - { check: not-null, column: id, action: fail }
`;
}
