import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { SECRET_NAME_MAX_LENGTH, SECRET_NAME_PATTERN } from './secret-name.ts';
import type { SecretStore } from './secret-store.ts';

const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
const Params = Type.Object({
  ws: Workspace,
  name: Type.String({ pattern: SECRET_NAME_PATTERN, maxLength: SECRET_NAME_MAX_LENGTH }),
});
const SecretInfo = Type.Object(
  {
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    createdBy: Type.Union([Type.String(), Type.Null()], { description: 'Id of the user or service account' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A secret without its value: values are never returned' },
);
const PutBody = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 65536, description: 'Stored encrypted; never returned' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const errors = {
  ...errorResponses,
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  503: Type.Ref('ErrorBody'),
};

/**
 * Secrets of a workspace (connection passwords, API keys): list their names, set and delete them. No route ever
 * returns a value; core internals read values through the {@link SecretStore}.
 */
export async function secretsRoutes(app: PluginHttpApp, options: { store: SecretStore }): Promise<void> {
  const { store } = options;

  app.get(
    '/workspaces/:ws/secrets',
    {
      config: { access: { permission: 'secret:read' } },
      schema: {
        tags: ['secrets'],
        summary: 'The secrets of a workspace, without their values',
        params: Type.Object({ ws: Workspace }),
        response: { 200: Type.Object({ items: Type.Array(SecretInfo) }), ...errors },
      },
    },
    async (request) => ({ items: await store.list(request.params.ws) }),
  );

  app.put(
    '/workspaces/:ws/secrets/:name',
    {
      config: { access: { permission: 'secret:manage' } },
      schema: {
        tags: ['secrets'],
        summary: 'Set a secret (create or replace its value and description)',
        params: Params,
        body: PutBody,
        response: { 200: SecretInfo, ...errors },
      },
    },
    async (request) =>
      store.put(request.params.ws, request.params.name, request.body.value, {
        description: request.body.description,
        actor: request.principal?.id,
      }),
  );

  app.delete(
    '/workspaces/:ws/secrets/:name',
    {
      config: { access: { permission: 'secret:manage' } },
      schema: {
        tags: ['secrets'],
        summary: 'Delete a secret',
        params: Params,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await store.remove(request.params.ws, request.params.name);
      return reply.status(204).send(null);
    },
  );
}
