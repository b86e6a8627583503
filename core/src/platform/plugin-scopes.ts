import type { EventBus, HttpRouter, Logger, PluginConfig, ServiceRef } from '@assay/sdk';
import { asValue, type AwilixContainer } from 'awilix';
import type { CoreEventBus } from '../events/event-bus.ts';
import type { AssayHttpServer } from '../http/http-server.ts';
import type { ContributionRegistry } from '../plugins/contribution-registry.ts';
import type { ShutdownHooks } from './lifecycle.ts';

/** What plugin-scoped services are built from. */
export interface PluginScopeDeps {
  root: AwilixContainer;
  logger: Logger;
  events: CoreEventBus;
  hooks: ShutdownHooks;
  registry: ContributionRegistry;
  http: AssayHttpServer | undefined;
  platformVersion: string;
  role: 'serve' | 'worker';
  pluginConfigs: ReadonlyMap<string, unknown>;
}

/** The ids of plugin-scoped services; together with the root registrations they are all a plugin may depend on. */
export const PLUGIN_SCOPED_SERVICE_IDS = [
  'core.logger',
  'core.events',
  'core.http-router',
  'core.lifecycle',
  'core.config',
] as const;

/**
 * Gives each plugin its own awilix scope holding the services that know who is calling: a child logger, event
 * subscriptions namespaced by the plugin id, routes mounted in the plugin's own encapsulated Fastify context under
 * `/api/v1/plugins/<id>`, its shutdown hooks and its validated configuration. Root services resolve through the
 * scope from the parent container.
 */
export function createPluginScopes(deps: PluginScopeDeps): (pluginId: string, ref: ServiceRef<unknown>) => unknown {
  const scopes = new Map<string, AwilixContainer>();
  const scopeFor = (pluginId: string): AwilixContainer => {
    const existing = scopes.get(pluginId);
    if (existing !== undefined) return existing;
    const scope = deps.root.createScope();
    const config: PluginConfig = {
      platformVersion: deps.platformVersion,
      role: deps.role,
      plugin: deps.pluginConfigs.get(pluginId),
    };
    scope.register({
      'core.logger': asValue(deps.logger.child({ plugin: pluginId })),
      'core.events': asValue(eventsFor(pluginId, deps)),
      'core.http-router': asValue(httpRouterFor(pluginId, deps)),
      'core.lifecycle': asValue(deps.hooks.forOwner(pluginId)),
      'core.config': asValue(config),
    });
    scopes.set(pluginId, scope);
    return scope;
  };
  return (pluginId, ref) => scopeFor(pluginId).resolve(ref.id);
}

/** The plugin's bus; its durable subscriptions are listed among the plugin's contributions. */
function eventsFor(pluginId: string, deps: PluginScopeDeps): EventBus {
  const bus = deps.events.forPlugin(pluginId);
  return {
    publish: (event, payload) => bus.publish(event, payload),
    listen: (event, handler) => bus.listen(event, handler),
    subscribe: async (event, name, handler) => {
      await bus.subscribe(event, name, handler);
      deps.registry.recordSubscription(pluginId, event.topic, name);
    },
  };
}

function httpRouterFor(pluginId: string, deps: PluginScopeDeps): HttpRouter {
  const app = deps.http;
  return {
    use(routes) {
      // A worker process serves no HTTP; the same plugin code runs there without branching on the role.
      if (app === undefined) return;
      void app.register(
        async (context) => {
          context.addHook('onRoute', (route) => {
            for (const method of [route.method].flat()) deps.registry.recordRoute(pluginId, method, route.url);
          });
          await routes(context);
        },
        { prefix: `/api/v1/plugins/${pluginId}` },
      );
    },
  };
}
