import { NotAllowedError, type PluginHttpApp, type Principal } from '@assay/sdk';
import type { AccessControl } from '../auth/access-control.ts';
import type { PlanEntry } from './apply/apply-plan.ts';
import { documentsYaml } from './apply/export-documents.ts';
import type { PipelineService } from './apply/pipeline-service.ts';
import { authorOf } from './pipelines.routes.ts';
import {
  ApplyBody,
  ApplyResponse,
  ExportQuery,
  ExportResponse,
  WsParams,
  pipelineErrors as errors,
} from './pipelines.schemas.ts';

/**
 * Pipelines as code through the API: `POST …/apply` (plan, then write everything in one transaction, or nothing)
 * and `GET …/export` (every connection and pipeline as documents that apply back to no change). Both need
 * `pipeline:*`; connections also need `connection:read` (and `connection:edit` to change them), so apply and export
 * are never a way around the connection permissions: an export leaves them out (and says so) for a caller who may
 * not read them.
 */
export async function applyRoutes(
  app: PluginHttpApp,
  options: { pipelines: PipelineService; access: AccessControl },
): Promise<void> {
  const { pipelines, access } = options;

  const require = async (principal: Principal | undefined, workspace: string, permission: string, why: string) => {
    if (principal !== undefined && (await access.can(principal, workspace, permission))) return;
    throw new NotAllowedError(`You need the permission "${permission}" in workspace "${workspace}" ${why}`, {
      code: 'PERMISSION_DENIED',
      details: { permission, workspace },
    });
  };

  app.post(
    '/workspaces/:ws/apply',
    {
      config: { access: { permission: 'pipeline:edit' } },
      schema: {
        tags: ['pipelines'],
        summary: 'Apply pipeline and connection documents: a plan, written all-or-nothing (dryRun: plan only)',
        params: WsParams,
        body: ApplyBody,
        response: { 200: ApplyResponse, ...errors },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const { principal } = request;
      const authorize = async (plan: readonly PlanEntry[]) => {
        const connections = plan.filter((entry) => entry.kind === 'Connection');
        if (connections.length === 0) return;
        await require(principal, ws, 'connection:read', 'to apply connection documents');
        if (connections.some((entry) => entry.action !== 'unchanged')) {
          await require(principal, ws, 'connection:edit', 'to create, change or delete connections');
        }
      };
      return pipelines.apply({
        workspace: ws,
        files: request.body.files,
        documents: request.body.documents,
        prune: request.body.prune,
        dryRun: request.body.dryRun,
        message: request.body.message,
        author: authorOf(principal),
        actor: principal?.id,
        authorize,
      });
    },
  );

  app.get(
    '/workspaces/:ws/export',
    {
      config: { access: { permission: 'pipeline:read' } },
      schema: {
        tags: ['pipelines'],
        summary: 'Every connection and pipeline (current versions) as documents: YAML, or JSON with format=json',
        params: WsParams,
        querystring: ExportQuery,
        response: { 200: ExportResponse, ...errors },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const { principal } = request;
      const all = await pipelines.export(ws);
      // Connections are for those who may read them; the answer says they were left out, so nobody applies a
      // partial export with prune without knowing.
      const readsConnections = principal !== undefined && (await access.can(principal, ws, 'connection:read'));
      const documents = readsConnections ? all : all.filter((document) => document.kind !== 'Connection');
      const omitted = readsConnections ? [] : ['Connection'];
      if (request.query.format === 'json') return { documents, omitted };
      const note = readsConnections ? '' : `# Connections are left out: exporting them needs connection:read.\n`;
      return { yaml: `${note}${documentsYaml(documents)}`, omitted };
    },
  );
}
