import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Knex } from 'knex';
import type { EventBus } from './events.ts';
import type { Logger } from './logger.ts';
import type { QueueService } from './queue.ts';
import { createServiceRef } from './service-ref.ts';

/** The Fastify instance a plugin's routes are registered on, with the TypeBox type provider. */
export type PluginHttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Registers a plugin's HTTP routes in its own encapsulated context under `/api/v1/plugins/<plugin id>`. */
export interface HttpRouter {
  /** Every route needs request and response schemas; they appear in the OpenAPI document. */
  use(routes: (app: PluginHttpApp) => Promise<void>): void;
}

/** Hooks into the process lifecycle. */
export interface Lifecycle {
  /** Runs on shutdown, after HTTP has drained and in-flight jobs finished, in reverse registration order. */
  onShutdown(hook: () => Promise<void> | void): void;
}

/** What a plugin may know about the platform, plus its own validated configuration. */
export interface PluginConfig<T = unknown> {
  /** Version of @assay/core. */
  readonly platformVersion: string;
  /** `serve` (API + worker) or `worker` (jobs only). */
  readonly role: 'serve' | 'worker';
  /** This plugin's section of `assay.yaml` (`pluginConfig.<id>`), validated against the plugin's `config` schema. */
  readonly plugin: T;
}

/**
 * The services core provides. Declare them as `deps` in `registerInit`.
 *
 * @example
 * ```ts
 * import { coreServices, definePlugin } from '@assay/sdk';
 * export default definePlugin({
 *   id: 'hello',
 *   platform: '^0.1.0',
 *   register(env) {
 *     env.registerInit({
 *       deps: { log: coreServices.logger, db: coreServices.database },
 *       async init({ log, db }) {
 *         const [row] = await db.raw('select 1 as one').then((r: { rows: unknown[] }) => r.rows);
 *         log.info({ row }, 'hello plugin ready');
 *       },
 *     });
 *   },
 * });
 * ```
 */
export const coreServices = Object.freeze({
  /** The metadata database (knex on PostgreSQL). Plugin tables are named `<plugin id>_*`. */
  database: createServiceRef<Knex>({ id: 'core.database' }),
  /** The job queue. */
  queue: createServiceRef<QueueService>({ id: 'core.queue' }),
  /** The event bus; subscriptions are namespaced by the calling plugin. */
  events: createServiceRef<EventBus>({ id: 'core.events', scope: 'plugin' }),
  /** A logger bound to the calling plugin. */
  logger: createServiceRef<Logger>({ id: 'core.logger', scope: 'plugin' }),
  /** HTTP routes of the calling plugin. */
  httpRouter: createServiceRef<HttpRouter>({ id: 'core.http-router', scope: 'plugin' }),
  /** Shutdown hooks of the calling plugin. */
  lifecycle: createServiceRef<Lifecycle>({ id: 'core.lifecycle', scope: 'plugin' }),
  /** Platform facts and the calling plugin's own configuration. */
  config: createServiceRef<PluginConfig>({ id: 'core.config', scope: 'plugin' }),
});
