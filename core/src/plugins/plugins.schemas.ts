import { Type } from 'typebox';

const KEBAB = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/** A JSON Schema or ui-hints object, passed through as the plugin declares it. */
const jsonObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const NamedList = Type.Object({ count: Type.Integer({ minimum: 0 }), names: Type.Array(Type.String()) });

const PluginRef = Type.Object(
  { id: Type.String(), version: Type.String() },
  { description: 'The plugin that contributes this item' },
);

/** Page size when a request gives no `limit` (the validator does not apply schema defaults). */
export const DEFAULT_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every list endpoint. */
export const ListQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE, description: 'Items per page' }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 1024, description: 'nextCursor of the previous page' })),
});

/** `?type=` narrows a contribution list to one type (all its versions). */
export const ContributionQuery = Type.Object({
  ...ListQuery.properties,
  type: Type.Optional(Type.String({ pattern: KEBAB, description: 'Only this type, all versions' })),
});

/** `:ws`, a workspace slug. */
export const WorkspaceParams = Type.Object({
  ws: Type.String({ pattern: KEBAB, maxLength: 63, description: 'Workspace slug' }),
});

/** `:ws` and `:id`, a plugin id. */
export const WorkspacePluginParams = Type.Object({
  ...WorkspaceParams.properties,
  id: Type.String({ pattern: KEBAB, description: 'Plugin id' }),
});

/** Body of `PUT /workspaces/:ws/plugins/:id`. */
export const EnablementBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

/** A loaded plugin: identity, origin, contributions by name, portal additions. */
export const PluginItem = Type.Object({
  id: Type.String(),
  version: Type.String(),
  source: Type.Union([Type.Literal('builtin'), Type.Literal('installed'), Type.Literal('inline')]),
  package: Type.Optional(Type.String({ description: 'npm package name' })),
  platform: Type.String({ description: 'Semver range of Assay the plugin works with' }),
  title: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  contributions: Type.Object({
    operators: NamedList,
    connectors: NamedList,
    checks: NamedList,
    migrations: NamedList,
    portalPages: NamedList,
    routes: NamedList,
    subscriptions: NamedList,
  }),
  portal: Type.Object({
    navigation: Type.Array(
      Type.Object({ title: Type.String(), path: Type.String(), icon: Type.Optional(Type.String()) }),
    ),
    pages: Type.Array(
      Type.Object({
        path: Type.String(),
        title: Type.String(),
        source: Type.String(),
        layout: Type.Union([Type.Literal('table'), Type.Literal('detail')]),
      }),
    ),
  }),
});

const contributionFields = {
  type: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  description: Type.Optional(Type.String()),
  config: jsonObject('The config JSON Schema: API and YAML validation, the portal form'),
  ui: Type.Optional(jsonObject('Form hints kept beside the schema: order, groups, show, widgets, help')),
  plugin: PluginRef,
};

/** An operator version with its config schema, form hints and plugin. */
export const OperatorItem = Type.Object({
  ...contributionFields,
  category: Type.Union([
    Type.Literal('bronze'),
    Type.Literal('silver'),
    Type.Literal('gold'),
    Type.Literal('quality'),
    Type.Literal('utility'),
  ]),
  inputs: Type.Optional(Type.Object({ min: Type.Integer(), max: Type.Optional(Type.Integer()) })),
  output: Type.Optional(Type.Union([Type.Literal('table'), Type.Literal('none')])),
});

/** A connector version with its config schema, form hints and plugin. */
export const ConnectorItem = Type.Object(contributionFields);
/** A check type version with its config schema, form hints and plugin. */
export const CheckItem = Type.Object(contributionFields);

/** A loaded plugin and whether it is enabled in one workspace. */
export const WorkspacePluginItem = Type.Object({
  id: Type.String(),
  version: Type.String(),
  source: PluginItem.properties.source,
  title: Type.Optional(Type.String()),
  enabled: Type.Boolean({ description: 'Plugins are enabled in every workspace until disabled' }),
});

/** The enablement a `PUT` stored. */
export const Enablement = Type.Object({ id: Type.String(), workspace: Type.String(), enabled: Type.Boolean() });

/** The `{ items, nextCursor? }` body of a list endpoint. */
export function pageOf<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Optional(Type.String({ description: 'Pass as cursor to get the next page' })),
  });
}
