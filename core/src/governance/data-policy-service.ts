import { NotFoundError, type Principal } from '@assay/sdk';
import type { Knex } from 'knex';
import type { Authorizer, ResourceAttributes } from '../auth/authorizer.ts';
import { assertRoleExists } from '../auth/workspace-roles.ts';
import { parseDataPolicyInput, type DataPolicy, type DataPolicyInput } from './data-policy.ts';
import {
  assertDatasetName,
  parseGovernanceInput,
  type Classification,
  type ColumnGovernance,
  type DatasetGovernance,
  type GovernanceInput,
} from './dataset-governance.ts';
import { maskExpression, type DatasetColumn, type MaskFunction } from './mask-functions.ts';
import {
  isMasking,
  MASKING_CLASSIFICATIONS,
  patternCovers,
  planMasks,
  type MaskDecision,
  type MaskingClassification,
} from './mask-plan.ts';
import { assertValidRowFilter, substitutePlaceholders } from './row-filter.ts';
import { isUuid } from '../database/uuid.ts';

/** Masks and row filter of a dataset view for one principal, ready for `DatasetView.masks` / `rowFilter`. */
export interface DatasetAccess {
  /** Column → SQL expression replacing it. */
  readonly masks: Readonly<Record<string, string>>;
  /** The AND of the principal's row filters, each in parentheses; absent when none applies. */
  readonly rowFilter?: string;
}

/** What a principal sees of a dataset, without the SQL of any policy: for the portal. */
export interface AccessSummary {
  readonly dataset: string;
  /** Columns named by the dataset's governance or by policies that are masked for the principal. */
  readonly masked: readonly MaskDecision[];
  /** The mask of every other column (inherited from the dataset's classification), or null when they are clear. */
  readonly otherColumns: { readonly mask: MaskFunction; readonly reason: MaskingClassification } | null;
  /** Whether rows are filtered for the principal. */
  readonly rowFilter: boolean;
}

/** Dataset governance attributes, explicit data policies and what they mean for a principal reading a dataset. */
export interface DataPolicyService {
  /** The dataset's attributes for ABAC checks (`authorizer.can(…, resource)`). */
  attributesOf(workspace: string, dataset: string): Promise<ResourceAttributes>;
  /** The governance of `layer.name`; empty (nulls, no tags or columns) when none was ever set. */
  governance(workspace: string, dataset: string): Promise<DatasetGovernance>;
  /** Replaces the governance of `layer.name`. InputError `GOVERNANCE_INVALID`, `COLUMN_NAME_INVALID`. */
  setGovernance(
    workspace: string,
    dataset: string,
    input: GovernanceInput,
    actor: string | undefined,
  ): Promise<DatasetGovernance>;
  /**
   * The masks and row filter of dataset `name` with `columns` (DuckDB types) for `principal`
   * (docs/data-policies.md has the rules). Masks of columns the dataset does not have are left out.
   */
  dataAccessFor(
    principal: Principal,
    workspace: string,
    dataset: { readonly name: string; readonly columns: readonly DatasetColumn[] },
  ): Promise<DatasetAccess>;
  /** What `principal` sees of `dataset`: masked columns with their mask and reason, whether rows are filtered. */
  accessSummary(principal: Principal, workspace: string, dataset: string): Promise<AccessSummary>;
  /** The workspace's policies, oldest first. */
  listPolicies(workspace: string): Promise<DataPolicy[]>;
  /**
   * Creates a policy. InputError `DATA_POLICY_INVALID`, `ROW_FILTER_INVALID`, `COLUMN_NAME_INVALID`,
   * `ROLE_NAME_INVALID`, `ROLE_NOT_FOUND`.
   */
  createPolicy(workspace: string, input: DataPolicyInput, actor: string | undefined): Promise<DataPolicy>;
  /** Deletes a policy; NotFoundError `DATA_POLICY_NOT_FOUND`. */
  deletePolicy(workspace: string, id: string): Promise<void>;
}

interface GovernanceRow {
  workspace: string;
  dataset: string;
  owner: string | null;
  classification: Classification | null;
  tags: string[];
  columns: Record<string, ColumnGovernance>;
  updated_by: string | null;
  updated_at: Date;
}

interface PolicyRow {
  id: string;
  workspace: string;
  kind: DataPolicy['kind'];
  dataset_pattern: string;
  column: string | null;
  mask: MaskFunction | null;
  predicate: string | null;
  roles: string[];
  description: string | null;
  created_by: string | null;
  created_at: Date;
}

const PERMISSION_TO_READ: Readonly<Record<MaskingClassification, string>> = {
  pii: 'dataset:read-pii',
  confidential: 'dataset:read-confidential',
};
/** The data policy service over `core_dataset_governance` and `core_data_policies`. */
export function createDataPolicyService(options: { db: Knex; authorizer: Authorizer }): DataPolicyService {
  const { db, authorizer } = options;

  const governance = async (workspace: string, dataset: string): Promise<DatasetGovernance> => {
    assertDatasetName(dataset);
    const row = await db<GovernanceRow>('core_dataset_governance').where({ workspace, dataset }).first();
    return row === undefined ? emptyGovernance(dataset) : governanceOf(row);
  };

  const attributesFrom = (gov: DatasetGovernance): ResourceAttributes => {
    const [layer, name] = gov.dataset.split('.') as [string, string];
    return {
      type: 'dataset',
      layer,
      name,
      tags: gov.tags,
      ...(gov.classification === null ? {} : { classification: gov.classification }),
      ...(gov.owner === null ? {} : { owner: gov.owner }),
    };
  };

  /** The governance, the classifications the principal may read in clear and the policies applying to it. */
  const contextOf = async (principal: Principal, workspace: string, dataset: string) => {
    const gov = await governance(workspace, dataset);
    const present = new Set([gov.classification, ...Object.values(gov.columns).map((c) => c.classification ?? null)]);
    const cleared = new Set<MaskingClassification>();
    for (const classification of MASKING_CLASSIFICATIONS) {
      if (!present.has(classification)) continue;
      const allowed = await authorizer.can(
        principal,
        workspace,
        PERMISSION_TO_READ[classification],
        attributesFrom(gov),
      );
      if (allowed) cleared.add(classification);
    }
    const roles = await authorizer.rolesOf(principal, workspace);
    const rows =
      roles.length === 0
        ? []
        : await db<PolicyRow>('core_data_policies')
            .where({ workspace })
            .whereIn('dataset_pattern', ['*', `${dataset.split('.')[0]}.*`, dataset])
            .whereRaw('roles && ?::text[]', [roles])
            .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    const policies = rows.map(policyOf).filter((policy) => patternCovers(policy.dataset, dataset));
    return { gov, cleared, policies };
  };

  const maskPoliciesOf = (policies: readonly DataPolicy[]) =>
    policies.flatMap((p) =>
      p.kind === 'mask' && p.column !== null && p.mask !== null ? [{ column: p.column, mask: p.mask }] : [],
    );

  return {
    governance,

    async attributesOf(workspace, dataset) {
      return attributesFrom(await governance(workspace, dataset));
    },

    async setGovernance(workspace, dataset, input, actor) {
      assertDatasetName(dataset);
      const parsed = parseGovernanceInput(input);
      const [row] = await db<GovernanceRow>('core_dataset_governance')
        .insert({
          workspace,
          dataset,
          owner: parsed.owner,
          classification: parsed.classification,
          tags: [...parsed.tags],
          columns: JSON.stringify(parsed.columns) as unknown as Record<string, ColumnGovernance>,
          updated_by: actor ?? null,
          updated_at: db.fn.now() as unknown as Date,
        })
        .onConflict(['workspace', 'dataset'])
        .merge()
        .returning('*');
      return governanceOf(row!);
    },

    async dataAccessFor(principal, workspace, dataset) {
      const { gov, cleared, policies } = await contextOf(principal, workspace, dataset.name);
      const decisions = planMasks({
        governance: gov,
        cleared,
        policies: maskPoliciesOf(policies),
        columns: dataset.columns.map((column) => column.name),
      });
      const byName = new Map(dataset.columns.map((column) => [column.name, column]));
      const masks = Object.fromEntries(
        decisions.map((decision) => [decision.column, maskExpression(decision.mask, byName.get(decision.column)!)]),
      );
      const filters = policies.flatMap((p) =>
        p.kind === 'row_filter' && p.predicate !== null ? [`(${substitutePlaceholders(p.predicate, principal)})`] : [],
      );
      return filters.length === 0 ? { masks } : { masks, rowFilter: filters.join(' AND ') };
    },

    async accessSummary(principal, workspace, dataset) {
      const { gov, cleared, policies } = await contextOf(principal, workspace, dataset);
      const maskPolicies = maskPoliciesOf(policies);
      const named = new Map<string, string>();
      for (const column of [...Object.keys(gov.columns), ...maskPolicies.map((p) => p.column)]) {
        if (!named.has(column.toLowerCase())) named.set(column.toLowerCase(), column);
      }
      const inherited = gov.classification;
      return {
        dataset,
        masked: planMasks({ governance: gov, cleared, policies: maskPolicies, columns: [...named.values()] }),
        otherColumns: isMasking(inherited) && !cleared.has(inherited) ? { mask: 'redact', reason: inherited } : null,
        rowFilter: policies.some((p) => p.kind === 'row_filter'),
      };
    },

    async listPolicies(workspace) {
      const rows = await db<PolicyRow>('core_data_policies')
        .where({ workspace })
        .orderBy([{ column: 'created_at' }, { column: 'id' }]);
      return rows.map(policyOf);
    },

    async createPolicy(workspace, input, actor) {
      const parsed = parseDataPolicyInput(input);
      for (const role of parsed.roles) await assertRoleExists(db, workspace, role);
      if (parsed.predicate !== null) await assertValidRowFilter(parsed.predicate);
      const [row] = await db<PolicyRow>('core_data_policies')
        .insert({
          workspace,
          kind: parsed.kind,
          dataset_pattern: parsed.dataset,
          column: parsed.column,
          mask: parsed.mask,
          predicate: parsed.predicate,
          roles: [...parsed.roles],
          description: parsed.description,
          created_by: actor ?? null,
        })
        .returning('*');
      return policyOf(row!);
    },

    async deletePolicy(workspace, id) {
      const deleted = isUuid(id) ? await db('core_data_policies').where({ workspace, id }).delete() : 0;
      if (deleted === 0) {
        throw new NotFoundError(`No data policy ${id} in workspace "${workspace}"`, {
          code: 'DATA_POLICY_NOT_FOUND',
          details: { id },
        });
      }
    },
  };
}

function emptyGovernance(dataset: string): DatasetGovernance {
  return { dataset, owner: null, classification: null, tags: [], columns: {}, updatedBy: null, updatedAt: null };
}

function governanceOf(row: GovernanceRow): DatasetGovernance {
  return {
    dataset: row.dataset,
    owner: row.owner,
    classification: row.classification,
    tags: row.tags,
    columns: row.columns,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at.toISOString(),
  };
}

function policyOf(row: PolicyRow): DataPolicy {
  return {
    id: row.id,
    kind: row.kind,
    dataset: row.dataset_pattern,
    column: row.column,
    mask: row.mask,
    predicate: row.predicate,
    roles: row.roles,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}
