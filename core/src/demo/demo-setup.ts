import { join } from 'node:path';
import { NotFoundError } from '@assay/sdk';
import knex from 'knex';
import { uploadsDirOf } from '../connections/connector-context.ts';
import type { Platform } from '../platform/platform.ts';
import { DEMO_DATA_SIZE, writeDemoCatalog, writeDemoSales, type DemoDataSize } from './demo-data.ts';
import { demoDocuments, DEMO_PIPELINE, DEMO_POS_CONNECTION } from './demo-project.ts';

/** What {@link setUpDemo} made. */
export interface DemoSetup {
  readonly workspace: string;
  readonly pipeline: string;
  /** The POS files dropped into the file connection's uploads. */
  readonly salesFiles: string[];
}

/**
 * Sets up the retail demo in `workspace` (created when missing): the product catalog as a table in a database of
 * its own on the platform's PostgreSQL server, the connections and the pipeline (applied
 * as documents, like `assay apply`), and a week of point-of-sale CSV drops uploaded to the file connection. Safe to
 * repeat: the catalog is refilled, the documents apply back to no change, the files are rewritten as they were.
 */
export async function setUpDemo(
  platform: Platform,
  options: { workspace: string; author: string; size?: DemoDataSize },
): Promise<DemoSetup> {
  const { workspace } = options;
  const size = options.size ?? DEMO_DATA_SIZE;
  await platform.identity.workspaces.get(workspace).catch(async (error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
    await platform.identity.workspaces.create({
      slug: workspace,
      name: 'Retail demo',
      description: 'A shop’s sales from the tills and its product catalog, from Bronze to Gold',
    });
  });
  const catalog = await prepareCatalogDatabase(platform.databaseUrl);
  const catalogDb = knex({ client: 'pg', connection: catalog.url, pool: { min: 0, max: 1 } });
  try {
    await writeDemoCatalog(catalogDb, size);
  } finally {
    await catalogDb.destroy();
  }
  await platform.pipelines.apply({
    workspace,
    files: [{ path: 'retail-demo.yaml', text: demoDocuments(catalog.connection) }],
    author: options.author,
    message: 'the retail demo',
    env: { ASSAY_DEMO_CATALOG_PASSWORD: catalog.connection.password },
  });
  const pos = await platform.connections.get(workspace, DEMO_POS_CONNECTION);
  const uploads = uploadsDirOf(
    { workRoot: join(platform.config.home, 'ingest'), uploadsRoot: join(platform.config.home, 'uploads') },
    workspace,
    pos.id,
  );
  const salesFiles = await writeDemoSales(uploads, size);
  return { workspace, pipeline: DEMO_PIPELINE, salesFiles };
}

/**
 * The shop's catalog database: `<platform database>_demo` on the platform's PostgreSQL server, created when
 * missing; the platform's own database (the catalog in its schema `retail`) when the server refuses to create one.
 */
async function prepareCatalogDatabase(platformUrl: string) {
  const url = new URL(platformUrl);
  const catalogUrl = new URL(platformUrl);
  const name = `${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}_demo`.replace(/[^a-z0-9_]/g, '_');
  const admin = knex({ client: 'pg', connection: platformUrl, pool: { min: 0, max: 1 } });
  try {
    const exists = await admin('pg_database').where({ datname: name }).first('datname');
    if (exists === undefined) await admin.raw(`create database ${name}`);
    catalogUrl.pathname = `/${name}`;
  } catch (error) {
    // Not allowed to create databases (a managed server, say): the catalog lives beside the platform's tables.
    if ((error as { code?: string }).code !== '42501') throw error;
  } finally {
    await admin.destroy();
  }
  return {
    url: catalogUrl.toString(),
    connection: {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(catalogUrl.pathname.slice(1)),
      user: decodeURIComponent(url.username || 'postgres'),
      password: decodeURIComponent(url.password),
    },
  };
}
