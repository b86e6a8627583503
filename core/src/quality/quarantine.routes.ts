import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { addAuditDetails } from '../audit/audit-hook.ts';
import type { Engine } from '../engine/engine.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import { errorResponses } from '../http/error-body.ts';
import type { LakeService } from '../lake/lake-service.ts';
import { discardQuarantined } from './quarantine/quarantine-discard.ts';
import { editQuarantinedRow } from './quarantine/quarantine-edit.ts';
import { describeFilter } from './quarantine/quarantine-filter.ts';
import { fixQuarantine } from './quarantine/quarantine-fix.ts';
import { listQuarantine } from './quarantine/quarantine-list.ts';
import { summarizeQuarantine } from './quarantine/quarantine-summary.ts';
import {
  QuarantineDiscardBody,
  QuarantineDiscardResult,
  QuarantineEditBody,
  QuarantineEditResult,
  QuarantineFixBody,
  QuarantineFixResult,
  QuarantineId,
  QuarantineListQuery,
  QuarantinePageSchema,
  QuarantineSummarySchema,
} from './quarantine/quarantine.schemas.ts';
import { DatasetParams } from './quality.schemas.ts';
import { sampleMasker } from './sample-masking.ts';

const BASE = '/workspaces/:ws/datasets/:layer/:name/quarantine';
const RowParams = Type.Intersect([DatasetParams, Type.Object({ id: QuarantineId })]);
const errors = {
  400: errorResponses[400],
  404: errorResponses[404],
  409: errorResponses[409],
  500: errorResponses[500],
};
// Quarantined rows are raw source rows no column mask applies to: reading them needs the PII permission.
const READ_ROWS = { permission: 'dataset:read-pii', audit: 'read' } as const;
const MANAGE = { permission: 'dataset:manage' } as const;

/**
 * The quarantine of a dataset, rows set aside by loads and checks: list and filter them (`GET …/quarantine`),
 * count them (`/summary`), edit one (`PATCH …/:id`), fix many with SQL expressions (`POST …/fix`) and discard
 * them with a reason (`POST …/discard`). Each change is one Delta commit of the quarantine table with the caller
 * and the why in its provenance, and an audit entry whose details carry the same.
 */
export async function quarantineRoutes(
  app: PluginHttpApp,
  options: { lake: LakeService; engine: Engine; policies: DataPolicyService },
): Promise<void> {
  const target = (params: { ws: string; layer: string; name: string }) => ({
    workspace: params.ws,
    dataset: `${params.layer}.${params.name}`,
  });

  app.get(
    BASE,
    {
      config: { access: READ_ROWS },
      schema: {
        tags: ['quality'],
        summary: 'Rows set aside for a dataset (by loads and checks) with the reason, newest first; filter and page',
        params: DatasetParams,
        querystring: QuarantineListQuery,
        response: { 200: QuarantinePageSchema, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listQuarantine(options, target(request.params), { filter, limit: limit ?? 100, cursor });
    },
  );

  app.get(
    `${BASE}/summary`,
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['quality'],
        summary: 'How many rows the quarantine holds, by check and by run (counts only, no row data)',
        params: DatasetParams,
        response: { 200: QuarantineSummarySchema, ...errors },
      },
    },
    async (request) => summarizeQuarantine(options, target(request.params)),
  );

  app.patch(
    `${BASE}/:id`,
    {
      config: { access: MANAGE },
      schema: {
        tags: ['quality'],
        summary: 'Edit a quarantined row: merge new values into it (or replace it); answers its new id',
        params: RowParams,
        body: QuarantineEditBody,
        response: { 200: QuarantineEditResult, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const replace = request.body.replace ?? false;
      // Keys, not values: the audit log must not become a copy of the quarantined data.
      addAuditDetails(request, { operation: 'quarantine.edit', id, keys: Object.keys(request.body.row), replace });
      const result = await editQuarantinedRow(options, target(request.params), {
        id,
        row: request.body.row,
        replace,
        user: request.principal?.id,
      });
      addAuditDetails(request, { newId: result.quarantineId, version: result.version, changed: result.changed });
      return result;
    },
  );

  app.post(
    `${BASE}/fix`,
    {
      config: { access: MANAGE },
      schema: {
        tags: ['quality'],
        summary: 'Fix quarantined rows in bulk: SQL expressions over each row set columns (dryRun to preview)',
        params: DatasetParams,
        body: QuarantineFixBody,
        response: { 200: QuarantineFixResult, ...errors },
      },
    },
    async (request) => {
      const { set, where = {}, dryRun = false, sampleSize = 20 } = request.body;
      addAuditDetails(request, { operation: 'quarantine.fix', set, where: describeFilter(where), dryRun });
      const { workspace, dataset } = target(request.params);
      const result = await fixQuarantine(
        options,
        { workspace, dataset },
        {
          set,
          filter: where,
          dryRun,
          sampleSize,
          user: request.principal?.id,
        },
      );
      addAuditDetails(request, { rowsChanged: result.rowsChanged, version: result.version });
      if (result.sample.length === 0) return result;
      // Before and after are row values: masked as the caller sees the dataset (PII needs its permission).
      const mask = await sampleMasker(options.policies, request.principal!, workspace, dataset);
      const before = mask(result.sample.map((row) => row.before));
      const after = mask(result.sample.map((row) => row.after));
      const sample = result.sample.flatMap((row, index) =>
        before[index] === undefined || after[index] === undefined
          ? []
          : [{ quarantineId: row.quarantineId, before: before[index], after: after[index] }],
      );
      return { ...result, sample };
    },
  );

  app.post(
    `${BASE}/discard`,
    {
      config: { access: MANAGE },
      schema: {
        tags: ['quality'],
        summary: 'Discard quarantined rows with a reason (a Delta DELETE: the history keeps them)',
        params: DatasetParams,
        body: QuarantineDiscardBody,
        response: { 200: QuarantineDiscardResult, ...errors },
      },
    },
    async (request) => {
      const { reason, all = false, ...filter } = request.body;
      addAuditDetails(request, { operation: 'quarantine.discard', reason, filter: describeFilter(filter), all });
      const result = await discardQuarantined(options, target(request.params), {
        filter,
        all,
        reason,
        user: request.principal?.id,
      });
      addAuditDetails(request, { discarded: result.discarded, version: result.version });
      return result;
    },
  );
}
