import { NotFoundError, type PluginHttpApp } from '@assay/sdk';
import type { Knex } from 'knex';
import { errorResponses } from '../http/error-body.ts';
import type { ContributionRegistry } from './contribution-registry.ts';
import { workspaceSettings, setEnabled } from './installed-plugins.ts';
import { pageByKey, versionedKey } from './list-page.ts';
import { contributionItem, operatorItem, pluginItem } from './plugin-api-items.ts';
import {
  CheckItem,
  ConnectorItem,
  ContributionQuery,
  DEFAULT_PAGE_SIZE,
  Enablement,
  EnablementBody,
  ListQuery,
  OperatorItem,
  pageOf,
  PluginItem,
  WorkspacePluginItem,
  WorkspacePluginParams,
  WorkspaceParams,
} from './plugins.schemas.ts';

/** What the plugin routes read from. */
export interface PluginsRoutesOptions {
  registry: ContributionRegistry;
  db: Knex;
}

const tags = ['plugins'];
const listErrors = { 400: errorResponses[400], 500: errorResponses[500] };
const updateErrors = { ...listErrors, 404: errorResponses[404] };

/**
 * The plugin catalog under `/api/v1`: loaded plugins and what they contribute, the operator, connector and check
 * catalogs the portal builds its forms from, and per-workspace enablement.
 */
export async function pluginsRoutes(app: PluginHttpApp, options: PluginsRoutesOptions): Promise<void> {
  const { registry, db } = options;
  const ofType = <T extends { type: string }>(items: readonly T[], type: string | undefined) =>
    type === undefined ? items : items.filter((item) => item.type === type);
  const paging = (query: { limit?: number | undefined; cursor?: string | undefined }) => ({
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  });

  app.get(
    '/plugins',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags,
        summary: 'List loaded plugins with their contributions',
        querystring: ListQuery,
        response: { 200: pageOf(PluginItem), ...listErrors },
      },
    },
    async (request) => {
      const page = pageByKey(registry.plugins, (plugin) => plugin.id, paging(request.query));
      return { ...page, items: page.items.map((plugin) => pluginItem(registry, plugin)) };
    },
  );

  app.get(
    '/operators',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags,
        summary: 'List operators (all versions) with their config schemas and form hints',
        querystring: ContributionQuery,
        response: { 200: pageOf(OperatorItem), ...listErrors },
      },
    },
    async (request) => {
      const entries = ofType(registry.operators, request.query.type);
      const page = pageByKey(entries, (entry) => versionedKey(entry.type, entry.version), paging(request.query));
      return { ...page, items: page.items.map(operatorItem) };
    },
  );

  app.get(
    '/connectors',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags,
        summary: 'List connectors (all versions) with their config schemas and form hints',
        querystring: ContributionQuery,
        response: { 200: pageOf(ConnectorItem), ...listErrors },
      },
    },
    async (request) => {
      const entries = ofType(registry.connectors, request.query.type);
      const page = pageByKey(entries, (entry) => versionedKey(entry.type, entry.version), paging(request.query));
      return { ...page, items: page.items.map(contributionItem) };
    },
  );

  app.get(
    '/checks',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags,
        summary: 'List data-quality check types (all versions) with their config schemas and form hints',
        querystring: ContributionQuery,
        response: { 200: pageOf(CheckItem), ...listErrors },
      },
    },
    async (request) => {
      const entries = ofType(registry.checks, request.query.type);
      const page = pageByKey(entries, (entry) => versionedKey(entry.type, entry.version), paging(request.query));
      return { ...page, items: page.items.map(contributionItem) };
    },
  );

  app.get(
    '/workspaces/:ws/plugins',
    {
      config: { access: { permission: 'plugin:read' } },
      schema: {
        tags,
        summary: 'List loaded plugins with whether each is enabled in the workspace',
        params: WorkspaceParams,
        querystring: ListQuery,
        response: { 200: pageOf(WorkspacePluginItem), ...listErrors },
      },
    },
    async (request) => {
      const settings = await workspaceSettings(db, request.params.ws);
      const page = pageByKey(registry.plugins, (plugin) => plugin.id, paging(request.query));
      const items = page.items.map((loaded) => ({
        id: loaded.id,
        version: loaded.version,
        source: loaded.source,
        ...(loaded.plugin.title === undefined ? {} : { title: loaded.plugin.title }),
        enabled: settings.get(loaded.id) ?? true,
      }));
      return { ...page, items };
    },
  );

  app.put(
    '/workspaces/:ws/plugins/:id',
    {
      config: { access: { permission: 'plugin:configure' } },
      schema: {
        tags,
        summary: 'Enable or disable a plugin in a workspace',
        params: WorkspacePluginParams,
        body: EnablementBody,
        response: { 200: Enablement, ...updateErrors },
      },
    },
    async (request) => {
      const { ws: workspace, id } = request.params;
      if (registry.plugin(id) === undefined) {
        throw new NotFoundError(`Plugin "${id}" is not loaded: GET /api/v1/plugins lists the loaded plugins`, {
          code: 'PLUGIN_NOT_FOUND',
          details: { plugin: id },
        });
      }
      await setEnabled(db, id, workspace, request.body.enabled);
      return { id, workspace, enabled: request.body.enabled };
    },
  );
}
