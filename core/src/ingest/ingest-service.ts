import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import {
  AssayError,
  InputError,
  type ConnectorState,
  type Logger,
  type QueueService,
  type StreamProbe,
  type TObject,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { openConnectorContext, type ConnectorDirectories } from '../connections/connector-context.ts';
import type { ConnectionStore, ResolvedConnection } from '../connections/connection-store.ts';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import type { LakeService, LakeTable } from '../lake/lake-service.ts';
import { ColumnPlanner, type SchemaChange } from './column-plan.ts';
import { createItemReader } from './formats/item-reader.ts';
import type { DataItem } from './formats/item-relation.ts';
import { ingestQueue } from './ingest-queue.ts';
import { IngestOptionsSchema, type IngestOptions, type IngestRequest } from './ingest-request.ts';
import { openIngestSession, type IngestSession } from './ingest-session.ts';
import { createIngestStateStore, txnAppId, type StateKey } from './ingest-state.ts';
import { expireLanding, LandingKeeper, landingPrefix } from './landing.ts';
import { createLoadRecords, type LoadCounts, type LoadRecord, type LoadRecords } from './load-records.ts';
import { commitRejects, pendingRejects } from './quarantine-writer.ts';
import { assertBadRowsWithin, columnsOf, commitSegment } from './segment-commit.ts';
import { SegmentStager } from './segment-stager.ts';

/** Runs loads: source → landing → Bronze, with quarantine, state and a load record. */
export interface IngestService {
  readonly loads: LoadRecords;
  /** Runs one load to the end and returns its record; a failed load throws after recording its error. */
  run(request: IngestRequest): Promise<LoadRecord>;
  /** Checks a request and queues it for a worker; returns the load record in status `queued`. */
  enqueue(request: IngestRequest): Promise<LoadRecord>;
  /**
   * What a load of `request` would pick up now, from the connector's `probe` and the load's committed state;
   * undefined when the connector cannot tell without reading (it has no `probe`).
   */
  probe(request: Omit<IngestRequest, 'options'>): Promise<StreamProbe | undefined>;
}

export interface IngestServiceOptions {
  readonly db: Knex;
  readonly lake: LakeService;
  readonly connections: ConnectionStore;
  readonly dirs: ConnectorDirectories;
  readonly logger: Logger;
  readonly pluginConfigs: ReadonlyMap<string, unknown>;
  readonly queue: QueueService;
  readonly settings: {
    readonly memoryLimit: string;
    readonly threads: number;
    readonly landingRetentionDays: number;
    readonly timeoutMinutes: number;
  };
}

/** The longest a probe may take: it lists a source, it does not read it. */
const PROBE_TIMEOUT_MS = 120_000;

export function createIngestService(options: IngestServiceOptions): IngestService {
  const { db, lake, connections, dirs, logger } = options;
  const loads = createLoadRecords(db);
  const states = createIngestStateStore(db);
  const reader = createItemReader();

  const prepare = async (request: IngestRequest) => {
    const ingestOptions = validated<IngestOptions>(
      IngestOptionsSchema,
      request.options ?? {},
      'options',
      'INGEST_OPTIONS_INVALID',
    );
    const resolved = await connections.resolve(request.workspace, request.connection);
    const streamConfig =
      resolved.definition.streamConfig === undefined
        ? (request.streamConfig ?? {})
        : validated<Record<string, unknown>>(
            resolved.definition.streamConfig,
            request.streamConfig ?? {},
            'streamConfig',
            'INGEST_STREAM_CONFIG_INVALID',
          );
    const table = lake.table(request.workspace, request.dataset);
    const key: StateKey = { connectionId: resolved.record.id, stream: request.stream, dataset: request.dataset };
    return { request, ingestOptions, resolved, streamConfig, table, key };
  };

  return {
    loads,
    async run(request) {
      const load = await prepare(request);
      return states.exclusive(load.key, () => runLoad(load));
    },
    async enqueue(request) {
      const load = await prepare(request);
      const loadId = randomUUID();
      await loads.queue({
        id: loadId,
        workspace: request.workspace,
        connectionId: load.resolved.record.id,
        connection: load.resolved.record.name,
        stream: request.stream,
        dataset: request.dataset,
        runId: request.runId,
        startedBy: request.actor,
      });
      await options.queue.send(ingestQueue, {
        loadId,
        workspace: request.workspace,
        connection: load.resolved.record.id,
        stream: request.stream,
        dataset: request.dataset,
        ...(request.streamConfig === undefined ? {} : { streamConfig: request.streamConfig }),
        ...(request.options === undefined ? {} : { options: request.options }),
        ...(request.actor === undefined ? {} : { actor: request.actor }),
      });
      return loads.get(request.workspace, loadId);
    },
    async probe(request) {
      const { resolved, streamConfig, table, key } = await prepare(request);
      const probe = resolved.definition.probe;
      if (probe === undefined) return undefined;
      const snapshot = await snapshotOrUndefined(table);
      const { state } = await states.recover(key, snapshot?.txns.get(txnAppId(key)));
      const ctx = await openConnectorContext({
        dirs,
        workspace: request.workspace,
        connectionId: resolved.record.id,
        log: logger.child({ connection: resolved.record.name, stream: request.stream }),
        signal: request.signal ?? AbortSignal.timeout(PROBE_TIMEOUT_MS),
        pluginConfig: options.pluginConfigs.get(resolved.connector.pluginId),
      });
      try {
        return await probe(ctx, resolved.config, { name: request.stream, config: streamConfig }, state);
      } finally {
        await ctx.dispose();
      }
    },
  };

  async function runLoad(load: {
    request: IngestRequest;
    ingestOptions: IngestOptions;
    resolved: ResolvedConnection;
    streamConfig: Record<string, unknown>;
    table: LakeTable;
    key: StateKey;
  }): Promise<LoadRecord> {
    const { request, ingestOptions, resolved, table, key } = load;
    const appId = txnAppId(key);
    let snapshot = await snapshotOrUndefined(table);
    const recovered = await states.recover(key, snapshot?.txns.get(appId));
    const loadId = request.loadId ?? randomUUID();
    const log = logger.child({ load: loadId, connection: resolved.record.name, stream: request.stream });
    await loads.start({
      id: loadId,
      workspace: request.workspace,
      connectionId: resolved.record.id,
      connection: resolved.record.name,
      stream: request.stream,
      dataset: request.dataset,
      runId: request.runId,
      startedBy: request.actor,
      stateBefore: recovered.state,
    });
    await expireLanding({
      db,
      storage: lake.storage,
      workspace: request.workspace,
      retentionDays: options.settings.landingRetentionDays,
      logger: log,
    });

    const signals = [AbortSignal.timeout(options.settings.timeoutMinutes * 60_000)];
    if (request.signal !== undefined) signals.push(request.signal);
    const ctx = await openConnectorContext({
      dirs,
      workspace: request.workspace,
      connectionId: resolved.record.id,
      log,
      signal: AbortSignal.any(signals),
      pluginConfig: options.pluginConfigs.get(resolved.connector.pluginId),
    });
    const sessionDir = join(dirs.workRoot, `${loadId}-session`);
    await mkdir(sessionDir, { recursive: true });
    let session: IngestSession | undefined;
    const counts: LoadCounts = {
      rowsRead: 0,
      rowsWritten: 0,
      rowsQuarantined: 0,
      rowsUpdated: 0,
      rowsDeleted: 0,
      bytes: 0,
      files: 0,
      commits: 0,
    };
    const changes: SchemaChange[] = [];
    const landing = new LandingKeeper(
      lake.storage,
      landingPrefix(request.workspace, resolved.record.name, request.stream, loadId),
    );
    let state = recovered.state;
    let sequence = recovered.sequence;
    let deltaVersion: number | undefined;
    const finish = async (status: 'succeeded' | 'failed', error?: { code: string; message: string }) =>
      loads.finish(loadId, {
        ...counts,
        status,
        stateAfter: state,
        schemaVersion: await nextSchemaVersion(request.workspace, request.dataset, changes),
        schemaChanges: changes,
        deltaVersion,
        landingPath: landing.count > 0 ? landing.prefix : undefined,
        ...(error === undefined ? {} : { error }),
      });

    try {
      session = await openIngestSession({
        workDir: sessionDir,
        memoryLimit: options.settings.memoryLimit,
        threads: options.settings.threads,
      });
      const planner = new ColumnPlanner(snapshot === undefined ? undefined : columnsOf(snapshot), ingestOptions);
      const dedupeKeys = ingestOptions.dedupeKeys?.map((k) => planner.targetName(k));
      const stager = new SegmentStager({
        connection: session.connection,
        reader,
        stageDir: session.stageDir,
        settings: {
          loadId,
          ingestedAt: new Date(),
          compression: ingestOptions.compression,
          auditColumns: ingestOptions.auditColumns,
          partitionBy: ingestOptions.partitionBy,
          dedupeKeys,
        },
      });
      const openSession = session;

      /** Commits what the segment staged, its rejects and `next` as the new state — or nothing, if nothing changed. */
      const checkpoint = async (next: ConnectorState | undefined): Promise<void> => {
        const segment = await stager.seal();
        const rejected = await pendingRejects(openSession.connection);
        counts.rowsRead += (segment?.rowsStaged ?? 0) + rejected;
        counts.rowsQuarantined += rejected;
        await assertBadRowsWithin(ingestOptions, counts, openSession);
        const stateChanged = JSON.stringify(next) !== JSON.stringify(state);
        if (segment === undefined && rejected === 0 && !stateChanged) return;
        await landing.keepRawFiles(ctx.workDir);
        await landing.flush();
        sequence += 1;
        const txn = { appId, version: sequence };
        await states.prepare(key, sequence, next);
        await commitRejects({
          connection: openSession.connection,
          table: lake.quarantine(request.workspace, request.dataset),
          stageDir: openSession.stageDir,
          loadId,
          runId: request.runId,
          user: request.actor,
          txn,
        });
        const committed = await commitSegment(table, segment, snapshot, {
          txn,
          dedupeKeys,
          loadId,
          request,
          stageDir: openSession.stageDir,
          session: openSession,
        });
        if (committed !== undefined) {
          deltaVersion = committed.version;
          counts.rowsWritten += committed.rowsWritten;
          counts.rowsUpdated += committed.rowsUpdated;
          counts.commits += 1;
          snapshot = await snapshotOrUndefined(table);
        }
        await states.advance(key, sequence, next);
        state = next;
        await rm(openSession.stageDir, { recursive: true, force: true });
        await mkdir(openSession.stageDir, { recursive: true });
      };

      const items = resolved.definition.read(
        ctx,
        resolved.config,
        { name: request.stream, config: load.streamConfig },
        state,
      );
      for await (const item of items) {
        if (item.kind === 'state') {
          await checkpoint(item.state);
          continue;
        }
        await stageItem(item, {
          planner,
          stager,
          changes,
          landing,
          counts,
          session: openSession,
          workDir: ctx.workDir,
        });
      }
      await checkpoint(state);
      return await finish('succeeded');
    } catch (error) {
      const failure =
        error instanceof AssayError
          ? { code: error.code, message: error.message }
          : { code: 'INGEST_FAILED', message: (error as Error).message };
      log.warn({ err: error, code: failure.code }, 'load failed');
      await finish('failed', failure).catch((recordError: unknown) =>
        log.error({ err: recordError }, 'recording the failed load failed'),
      );
      throw error;
    } finally {
      await landing.flush().catch(() => undefined);
      await session?.close();
      await rm(sessionDir, { recursive: true, force: true });
      await ctx.dispose();
    }
  }

  /** A dataset's schema version: 1 at its first load, one more at every load that added columns. */
  async function nextSchemaVersion(workspace: string, dataset: string, changes: readonly SchemaChange[]) {
    const previous = await db('core_ingest_loads')
      .where({ workspace, dataset })
      .whereNotNull('schema_version')
      .orderBy('started_at', 'desc')
      .first<{ schema_version: number } | undefined>('schema_version');
    if (previous === undefined) return 1;
    return previous.schema_version + (changes.some((c) => c.change === 'added') ? 1 : 0);
  }

  /** Counts an item, keeps its raw file, fits its columns to the table and stages its rows. */
  async function stageItem(
    item: DataItem,
    load: {
      planner: ColumnPlanner;
      stager: SegmentStager;
      changes: SchemaChange[];
      landing: LandingKeeper;
      counts: LoadCounts;
      session: IngestSession;
      /** The connector's work directory: files in it belong to this load. */
      workDir: string;
    },
  ): Promise<void> {
    const { planner, stager, changes, landing, counts, session, workDir } = load;
    const source = item.kind === 'file' ? item.source : (item.source ?? 'batch');
    if (item.kind === 'file') {
      counts.files += 1;
      counts.bytes += (await stat(item.path)).size;
      if (item.landed !== true) landing.keep(item.path, { owned: isInside(item.path, workDir) });
    } else {
      counts.bytes += batchBytes(item.batch);
    }
    const described = await reader.describe(session.connection, item);
    const plan = planner.plan(described, source);
    changes.push(...plan.changes);
    await stager.stage(item, plan);
  }
}

function validated<T>(schema: TObject, value: unknown, label: string, code: string): T {
  const withDefaults = Value.Default(schema, structuredClone(value));
  const error = Compile(schema).Errors(withDefaults)[0];
  if (error !== undefined) {
    const path = `${label}${error.instancePath.replace(/\//g, '.')}`;
    throw new InputError(`${path}: ${error.message}`, { code, details: { path } });
  }
  return withDefaults as T;
}

function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function batchBytes(batch: { data?: { byteLength?: number } }): number {
  return batch.data?.byteLength ?? 0;
}
