import { InputError } from '@assay/sdk';
import { assertRoleName } from '../auth/workspace-roles.ts';
import { assertColumnName } from './dataset-governance.ts';
import { isMaskFunction, MASK_FUNCTIONS, type MaskFunction } from './mask-functions.ts';

/** The kinds of data policy. */
export const DATA_POLICY_KINDS = ['mask', 'row_filter'] as const;

/** `mask` masks a column; `row_filter` hides the rows that do not satisfy a predicate. */
export type DataPolicyKind = (typeof DATA_POLICY_KINDS)[number];

/** An explicit data policy of a workspace (`core_data_policies`), applied to principals holding any of `roles`. */
export interface DataPolicy {
  readonly id: string;
  readonly kind: DataPolicyKind;
  /** `layer.name`, `layer.*` or `*`. */
  readonly dataset: string;
  /** Masked column (`mask` policies). */
  readonly column: string | null;
  readonly mask: MaskFunction | null;
  /** SQL predicate, may use `{{principal.id}}`, `{{principal.email}}`, `{{principal.name}}` (`row_filter`). */
  readonly predicate: string | null;
  readonly roles: string[];
  readonly description: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
}

/** What creates a policy: `column` and `mask` for a mask, `predicate` for a row filter. */
export interface DataPolicyInput {
  readonly kind: string;
  readonly dataset: string;
  readonly column?: string | undefined;
  readonly mask?: string | undefined;
  readonly predicate?: string | undefined;
  readonly roles: string[];
  readonly description?: string | undefined;
}

/** The fields of a valid policy to store. */
export type ParsedDataPolicy = Omit<DataPolicy, 'id' | 'createdBy' | 'createdAt'>;

/** `layer.name`, `layer.*` or `*`. */
export const DATASET_PATTERN = /^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$/;
const MAX_ROLES = 20;
const MAX_DESCRIPTION = 1000;

/**
 * Checks a policy's shape (InputError `DATA_POLICY_INVALID`, `COLUMN_NAME_INVALID`, `ROLE_NAME_INVALID`). Whether
 * its roles exist and whether its predicate is a safe SQL predicate are checked by the service.
 */
export function parseDataPolicyInput(input: DataPolicyInput): ParsedDataPolicy {
  if (!(DATA_POLICY_KINDS as readonly string[]).includes(input.kind)) {
    throw invalid(`kind "${input.kind}" is not one of ${DATA_POLICY_KINDS.join(', ')}`, 'kind');
  }
  if (!DATASET_PATTERN.test(input.dataset)) {
    throw invalid(`dataset "${input.dataset}" must be layer.name, layer.* or *`, 'dataset');
  }
  if (input.roles.length === 0 || input.roles.length > MAX_ROLES) {
    throw invalid(`a policy applies to 1 to ${MAX_ROLES} roles`, 'roles');
  }
  for (const role of input.roles) assertRoleName(role);
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION) {
    throw invalid(`at most ${MAX_DESCRIPTION} characters`, 'description');
  }
  const common = {
    dataset: input.dataset,
    roles: [...new Set(input.roles)].sort(),
    description: input.description ?? null,
  };
  if (input.kind === 'mask') {
    if (input.predicate !== undefined) throw invalid('a mask policy has no predicate', 'predicate');
    if (input.column === undefined) throw invalid('a mask policy names the column it masks', 'column');
    assertColumnName(input.column, 'column');
    if (input.mask === undefined || !isMaskFunction(input.mask)) {
      throw invalid(`mask must be one of ${MASK_FUNCTIONS.join(', ')}`, 'mask');
    }
    return { kind: 'mask', column: input.column, mask: input.mask, predicate: null, ...common };
  }
  if (input.column !== undefined || input.mask !== undefined) {
    throw invalid('a row filter has a predicate, not a column or mask', input.column === undefined ? 'mask' : 'column');
  }
  if (input.predicate === undefined) throw invalid('a row filter needs a predicate', 'predicate');
  return { kind: 'row_filter', column: null, mask: null, predicate: input.predicate, ...common };
}

function invalid(problem: string, path: string): InputError {
  return new InputError(`Data policy is invalid at ${path}: ${problem}`, {
    code: 'DATA_POLICY_INVALID',
    details: { path },
  });
}
