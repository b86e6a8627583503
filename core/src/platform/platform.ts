import { join } from 'node:path';
import type { EventBus, Plugin, ServiceRef } from '@assay/sdk';
import { asValue, createContainer, InjectionMode } from 'awilix';
import type { Knex } from 'knex';
import type { Logger as PinoLogger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AssayConfig } from '../config/config.schema.ts';
import { openDatabase } from '../database/open-database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createAuditLog } from '../audit/audit-log.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import { authRoutes } from '../auth/auth.routes.ts';
import { createFirstAdminSetup } from '../auth/first-admin.ts';
import { createIdentity, type Identity } from '../auth/identity.ts';
import { groupsRoutes } from '../auth/groups.routes.ts';
import { membersRoutes } from '../auth/members.routes.ts';
import { createOidcClient } from '../auth/oidc/oidc-client.ts';
import { oidcRoutes } from '../auth/oidc/oidc.routes.ts';
import { createOidcSignIn, oidcRefreshRoutes } from '../auth/oidc-session.ts';
import { policiesRoutes } from '../auth/policies.routes.ts';
import { rolesRoutes } from '../auth/roles.routes.ts';
import { serviceAccountsRoutes } from '../auth/service-accounts.routes.ts';
import { tokensRoutes } from '../auth/tokens.routes.ts';
import { usersRoutes } from '../auth/users.routes.ts';
import { createEventBus } from '../events/event-bus.ts';
import { createHttpServer, type AssayHttpServer } from '../http/http-server.ts';
import { createEngine } from '../engine/engine.ts';
import { registerDatasetsApi } from '../lake/datasets-api.ts';
import { registerQualityApi } from '../quality/quality-api.ts';
import { createLakeService, type LakeService } from '../lake/lake-service.ts';
import { createDataPolicyService } from '../governance/data-policy-service.ts';
import { governanceRoutes } from '../governance/governance.routes.ts';
import { datasetResourceOf } from '../governance/dataset-resource.ts';
import { createLakeReachabilityCheck, prepareLake } from '../lake/lake-reachability.ts';
import { createContributionRegistry, type ContributionRegistry } from '../plugins/contribution-registry.ts';
import { recordLoaded } from '../plugins/installed-plugins.ts';
import { initializePlugins } from '../plugins/plugin-initializer.ts';
import { loadPlugins, type LoadedPlugin } from '../plugins/plugin-loader.ts';
import { pluginsRoutes } from '../plugins/plugins.routes.ts';
import { createQueueService, type CoreQueue } from '../queue/queue-service.ts';
import { platformVersion } from '../version.ts';
import { ShutdownHooks } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { resolvePluginConfigs } from './plugin-config.ts';
import { createPluginScopes, PLUGIN_SCOPED_SERVICE_IDS } from './plugin-scopes.ts';
import { resolveAppRoot } from './app-root.ts';
import { loadSecretKey } from '../secrets/secret-key.ts';
import { createSecretStore } from '../secrets/secret-store.ts';
import { secretsRoutes } from '../secrets/secrets.routes.ts';
import { workspacesRoutes } from '../workspaces/workspaces.routes.ts';
import { createConnectionService, type ConnectionService } from '../connections/connection-service.ts';
import { createConnectionStore, type ConnectionStore } from '../connections/connection-store.ts';
import { connectionsRoutes } from '../connections/connections.routes.ts';
import { ingestQueue } from '../ingest/ingest-queue.ts';
import { createIngestService, type IngestService } from '../ingest/ingest-service.ts';
import { ingestRoutes } from '../ingest/ingest.routes.ts';
import { createPipelineService, type PipelineService } from '../pipelines/apply/pipeline-service.ts';
import { registerPipelinesApi } from '../pipelines/pipelines-api.ts';
import { createPipelineStore } from '../pipelines/store/pipeline-store.ts';
import { createCoreOperatorsPlugin } from '../pipelines/builtin/core-operators.plugin.ts';
import { createJobExecutor } from '../pipelines/execution/job-executor.ts';
import { pipelineVersionsOf } from '../pipelines/runs/pipeline-versions.ts';
import { createRunMetrics } from '../pipelines/runs/run-metrics.ts';
import { createRunService, type RunService } from '../pipelines/runs/run-service.ts';
import { registerRunWorker } from '../pipelines/runs/run-worker.ts';
import { createPipelineTriggers, type PipelineTriggers } from '../pipelines/triggers/pipeline-triggers.ts';

export interface StartPlatformOptions {
  config: AssayConfig;
  /** `serve` runs the HTTP API (and works jobs unless `worker.enabled` is false); `worker` only works jobs. */
  role: 'serve' | 'worker';
  /** Plugins given as values (tests), loaded after built-in and installed ones. */
  inlinePlugins?: readonly Plugin[];
  /** Load built-in plugins found in the installation (default true). */
  includeBuiltins?: boolean;
  logger?: PinoLogger;
  /** Work queue jobs in this process; default: a worker does, a server does unless `worker.enabled` is false. */
  works?: boolean;
  /**
   * Runs once the database is migrated, before this process works any job (the CLI checks that its workspace
   * exists); a throw stops the boot, and whatever was started is stopped again.
   */
  beforeWork?: (identity: Identity) => Promise<void>;
}

/** A booted platform: database migrated, plugins initialized, queue running, HTTP ready but not listening. */
export interface Platform {
  readonly config: AssayConfig;
  readonly logger: PinoLogger;
  readonly db: Knex;
  readonly databaseUrl: string;
  /** Undefined in a worker. */
  readonly http: AssayHttpServer | undefined;
  /** The Prometheus registry `/metrics` serves (a worker serves it on `worker.metricsPort`). */
  readonly metrics: Registry;
  readonly plugins: readonly LoadedPlugin[];
  readonly registry: ContributionRegistry;
  readonly identity: Identity;
  readonly connections: ConnectionStore;
  readonly connectionService: ConnectionService;
  readonly ingest: IngestService;
  /** Versioned pipeline documents: the store, validated saves, apply and export. */
  readonly pipelines: PipelineService;
  /** The job queue, with core's own additions (schedules, transactional sends). */
  readonly queue: CoreQueue;
  /** Pipeline runs: start, watch, cancel, resume. */
  readonly runs: RunService;
  /** Schedules and triggers of pipelines, and pausing them. */
  readonly triggers: PipelineTriggers;
  /** The lake: datasets' Delta tables and their published versions. */
  readonly lake: LakeService;
  /** Core's view of the event bus, for commands that announce what they change (as the API does). */
  readonly events: EventBus;
  /**
   * Set on the first start of a server without users and without `ASSAY_ADMIN_PASSWORD`: the one-time token that
   * creates the first admin (`POST /api/v1/auth/setup`). The caller prints it once.
   */
  readonly setupToken: string | undefined;
  get<T>(ref: ServiceRef<T>): T;
  /** Starts listening on `config.host:config.port`; returns the address. */
  listen(): Promise<string>;
  /** Drains HTTP, finishes or releases in-flight jobs, runs shutdown hooks, closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Boots the platform in dependency order. Whatever was started before a failure is stopped again, so a failed
 * boot leaves no embedded database or connection behind.
 */
export async function startPlatform(options: StartPlatformOptions): Promise<Platform> {
  const { config, role } = options;
  const logger = options.logger ?? createLogger(config, role);
  const hooks = new ShutdownHooks();
  const cleanup: Array<() => Promise<void>> = [];
  let draining = false;

  try {
    const database = await openDatabase(config, logger);
    cleanup.push(() => database.close());
    const { db, url: databaseUrl } = database;

    // Core's own operators (ingest) are contributed like a plugin's, before the services they call exist.
    const late: { ingest?: IngestService } = {};
    const coreOperators = createCoreOperatorsPlugin({
      ingest: () => {
        if (late.ingest === undefined) throw new Error('The ingest service is used before the platform started');
        return late.ingest;
      },
    });
    const plugins = await loadPlugins({
      appRoot: resolveAppRoot(),
      installDir: join(config.home, 'plugins'),
      specs: config.plugins,
      inline: [coreOperators, ...(options.inlinePlugins ?? [])],
      includeBuiltins: options.includeBuiltins ?? true,
      platformVersion,
    });
    const registry = createContributionRegistry(plugins);
    const pluginConfigs = resolvePluginConfigs(plugins, config.pluginConfig);
    const applied = await runMigrations(db, registry.migrations);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    await recordLoaded(db, plugins);
    const secretKey = await loadSecretKey({ env: process.env, home: config.home, keyFile: config.secrets.keyFile });
    const secrets = createSecretStore({ db, key: secretKey });
    await secrets.verifyKey();
    logger.info({ keyId: secretKey.id, source: secretKey.source }, 'secret key loaded');
    await prepareLake(config.lake);

    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
    const works = options.works ?? (role === 'worker' || config.worker.enabled);
    const queue = createQueueService({ connectionString: databaseUrl, logger, metrics, works });
    cleanup.push(() => queue.stop({ graceful: false, timeoutMs: 0 }));
    await queue.start();
    const events = createEventBus({ queue, db, connectionString: databaseUrl, logger });
    cleanup.push(() => events.stop());
    await events.start();
    const identity = await createIdentity({ db, logger });
    await options.beforeWork?.(identity);
    const stopListening = identity.listen(events.forPlugin('core'));
    cleanup.push(async () => stopListening());
    const firstAdmin = createFirstAdminSetup(db, identity);
    const { setupToken } = role === 'serve' ? await firstAdmin.prepare(process.env) : {};

    const container = createContainer({ injectionMode: InjectionMode.PROXY, strict: true });
    container.register({ 'core.database': asValue(db), 'core.queue': asValue(queue) });
    const audit = createAuditLog({ db });
    const dataPolicies = createDataPolicyService({ db, authorizer: identity.access });
    const http =
      role === 'serve'
        ? await createHttpServer({
            logger,
            version: platformVersion,
            metrics,
            container,
            readiness: [
              { name: 'database', check: () => db.raw('select 1').then(() => undefined) },
              { name: 'lake', check: createLakeReachabilityCheck(config.lake) },
            ],
            isDraining: () => draining,
            access: {
              authenticator: identity.authenticator,
              access: identity.access,
              workspaces: identity.workspaces,
              resourceOf: datasetResourceOf(dataPolicies),
            },
            audit,
            trustProxy: config.trustProxy,
          })
        : undefined;
    const lake = createLakeService({ config, db });
    const engine = createEngine({
      scratchRoot: join(config.home, 'engine'),
      memoryLimit: config.engine.memoryLimit,
      threads: config.engine.threads,
    });
    const connectorDirs = { workRoot: join(config.home, 'ingest'), uploadsRoot: join(config.home, 'uploads') };
    const connections = createConnectionStore({ db, secrets, registry });
    const connectionService = createConnectionService({
      store: connections,
      dirs: connectorDirs,
      logger,
      pluginConfigs,
    });
    const ingest = createIngestService({
      db,
      lake,
      connections,
      dirs: connectorDirs,
      logger,
      pluginConfigs,
      queue,
      settings: { ...config.ingest, memoryLimit: config.engine.memoryLimit, threads: config.engine.threads },
    });
    late.ingest = ingest;
    const jobExecutor = createJobExecutor({
      lake,
      db,
      logger,
      events: events.forPlugin('core'),
      engine: {
        scratchRoot: join(config.home, 'engine'),
        memoryLimit: config.engine.memoryLimit,
        threads: config.engine.threads,
      },
    });
    const pipelines = createPipelineService({
      db,
      registry,
      lake,
      connections,
      secrets,
      pipelines: createPipelineStore({ db }),
    });
    const operators = (type: string, version?: number) => registry.operator(type, version);
    const runs = createRunService({
      db,
      queue,
      connectionString: databaseUrl,
      logger,
      events: events.forPlugin('core'),
      pipelines: pipelineVersionsOf(pipelines.store),
      operators,
      maxParallelJobsPerWorkspace: config.pipelines.maxParallelJobsPerWorkspace,
      metrics: createRunMetrics(metrics, db, logger),
      lake,
      backfillConfirmAbove: config.pipelines.backfillConfirmAbove,
    });
    cleanup.push(() => runs.stop());
    await runs.start();
    const runWorker = await registerRunWorker(queue, {
      runs,
      executor: jobExecutor,
      operators,
      checks: (type) => registry.check(type),
      concurrency: config.pipelines.workerConcurrency,
      sweep: works,
    });
    cleanup.push(() => runWorker.stop({ timeoutMs: 0 }));
    const triggers = createPipelineTriggers({
      db,
      queue,
      events: events.forPlugin('core'),
      runs,
      ingest,
      logger,
    });
    await triggers.start();
    await queue.declare(ingestQueue);
    await queue.workEach(ingestQueue, async (job) => {
      await ingest.run({ ...job.data, signal: job.signal });
    });
    if (http !== undefined) {
      cleanup.push(() => http.close());
      const oidc =
        config.auth.oidc === undefined ? undefined : createOidcClient({ config: config.auth.oidc, db, logger });
      await http.register(authRoutes, {
        prefix: '/api/v1',
        identity,
        config: config.auth,
        setup: firstAdmin,
        audit,
        ...(oidc === undefined ? {} : { endSessionUrl: (idToken: string | undefined) => oidc.endSessionUrl(idToken) }),
      });
      if (oidc !== undefined) {
        const sessionDeps = { identity, db, config: config.auth, audit, secretKey, logger };
        await http.register(oidcRoutes, { prefix: '/api/v1', client: oidc, signIn: createOidcSignIn(sessionDeps) });
        await http.register(oidcRefreshRoutes, { prefix: '/api/v1', client: oidc, ...sessionDeps });
      }
      await http.register(workspacesRoutes, { prefix: '/api/v1', identity });
      await http.register(membersRoutes, { prefix: '/api/v1', identity, db });
      await http.register(rolesRoutes, { prefix: '/api/v1', identity, db });
      await http.register(policiesRoutes, { prefix: '/api/v1', identity, db });
      await http.register(tokensRoutes, { prefix: '/api/v1', identity });
      await http.register(serviceAccountsRoutes, { prefix: '/api/v1', identity });
      await http.register(usersRoutes, { prefix: '/api/v1', identity });
      await http.register(groupsRoutes, { prefix: '/api/v1', identity });
      await http.register(auditRoutes, { prefix: '/api/v1', audit });
      await http.register(secretsRoutes, { prefix: '/api/v1', store: secrets });
      await http.register(pluginsRoutes, { prefix: '/api/v1', registry, db });
      await registerDatasetsApi(http, { lake, engine, policies: dataPolicies, access: identity.access });
      await http.register(governanceRoutes, { prefix: '/api/v1', policies: dataPolicies });
      await http.register(connectionsRoutes, {
        prefix: '/api/v1',
        store: connections,
        service: connectionService,
        dirs: connectorDirs,
        uploadMaxBytes: config.ingest.uploadMaxMb * 1024 ** 2,
      });
      await http.register(ingestRoutes, { prefix: '/api/v1', ingest });
      await registerPipelinesApi(http, { db, pipelines, runs, triggers, access: identity.access });
      await registerQualityApi(http, { db, lake, engine, policies: dataPolicies, pipelines, runs, events });
    }

    const resolveService = createPluginScopes({
      root: container,
      logger,
      events,
      hooks,
      registry,
      http,
      platformVersion,
      role,
      pluginConfigs,
    });
    const knownServiceIds = new Set([...Object.keys(container.registrations), ...PLUGIN_SCOPED_SERVICE_IDS]);
    await initializePlugins(plugins, resolveService, knownServiceIds);
    await http?.ready();
    logger.info(
      { version: platformVersion, plugins: plugins.map((p) => `${p.id}@${p.version}`), works },
      'platform started',
    );

    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
      draining = true;
      await http?.close();
      await queue.stop({ graceful: true, timeoutMs: config.shutdownTimeoutSeconds * 1000 });
      await runWorker.stop();
      await hooks.run(logger);
      stopListening();
      await runs.stop();
      await events.stop();
      await database.close();
      logger.info('platform stopped');
    };

    return {
      config,
      logger,
      db,
      databaseUrl,
      http,
      metrics,
      plugins,
      registry,
      identity,
      connections,
      connectionService,
      ingest,
      pipelines,
      queue,
      runs,
      triggers,
      lake,
      events: events.forPlugin('core'),
      setupToken,
      get: <T>(ref: ServiceRef<T>) => container.resolve<T>(ref.id),
      listen: async () => {
        if (http === undefined) throw new Error('A worker does not listen for HTTP');
        return http.listen({ port: config.port, host: config.host });
      },
      close: () => (closing ??= close()),
    };
  } catch (error) {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw error;
  }
}
