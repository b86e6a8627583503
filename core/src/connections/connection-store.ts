import { ConflictError, InputError, NotFoundError, UserError, type ConnectorDefinition } from '@assay/sdk';
import type { Knex } from 'knex';
import { isUuid } from '../database/uuid.ts';
import type { ContributionRegistry, ConnectorEntry } from '../plugins/contribution-registry.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { validateConnectorConfig } from './connection-config.ts';
import {
  assertSecretValue,
  declaresSecretAt,
  getAt,
  isSecretReference,
  ownedSecretName,
  ownedSecretPrefix,
  secretPathsOf,
  setAt,
} from './connection-secrets.ts';

/** A connection as stored and returned by the API: secret fields are `{ "$secret": name }` references. */
export interface ConnectionRecord {
  readonly id: string;
  readonly workspace: string;
  readonly name: string;
  readonly type: string;
  readonly version: number;
  readonly config: Record<string, unknown>;
  readonly description: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What creating a connection takes. Secret fields: the value itself, or a reference to a workspace secret. */
export interface ConnectionInput {
  readonly name: string;
  readonly type: string;
  /** The connector version; the latest installed one when omitted. */
  readonly version?: number | undefined;
  readonly config: Record<string, unknown>;
  readonly description?: string | undefined;
}

/** A connection ready to use: its connector and its config with secrets decrypted. Never leaves core. */
export interface ResolvedConnection {
  readonly record: ConnectionRecord;
  readonly connector: ConnectorEntry;
  readonly definition: ConnectorDefinition;
  readonly config: Record<string, unknown>;
}

export interface ConnectionStore {
  list(workspace: string): Promise<ConnectionRecord[]>;
  /** By id or name; NotFoundError `CONNECTION_NOT_FOUND`. */
  get(workspace: string, idOrName: string): Promise<ConnectionRecord>;
  create(
    workspace: string,
    input: ConnectionInput,
    actor?: string,
    options?: ConnectionWriteOptions,
  ): Promise<ConnectionRecord>;
  /**
   * Replaces the config (secret fields left out keep their stored value) and/or the description. Secrets the
   * connection owned and no longer uses are deleted.
   */
  update(
    workspace: string,
    idOrName: string,
    patch: { config?: Record<string, unknown> | undefined; description?: string | null | undefined },
    options?: ConnectionWriteOptions,
  ): Promise<ConnectionRecord>;
  /** Deletes the connection, its ingest state and the secrets it owned (load records stay). */
  remove(workspace: string, idOrName: string, options?: ConnectionWriteOptions): Promise<void>;
  resolve(workspace: string, idOrName: string): Promise<ResolvedConnection>;
}

/**
 * Writing inside a caller's transaction (`assay apply` writes many documents all-or-nothing): the connection rows
 * are written in `trx`. Secret values are stored by the secret store as they are sealed (they are not part of the
 * transaction); secrets the connection stops using are only deleted once `trx` commits.
 */
export interface ConnectionWriteOptions {
  readonly trx?: Knex.Transaction | undefined;
  /** Collects the clean-up to run after `trx` commits, for a caller that awaits it; default: run on commit. */
  readonly afterCommit?: ((work: () => Promise<void>) => void) | undefined;
}

interface ConnectionRow {
  id: string;
  workspace: string;
  name: string;
  type: string;
  version: number;
  config: Record<string, unknown>;
  description: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Connections of every workspace in `core_connections`, their secrets in the secret store. */
export function createConnectionStore(options: {
  db: Knex;
  secrets: SecretStore;
  registry: ContributionRegistry;
}): ConnectionStore {
  const { db, secrets, registry } = options;

  const connectorOf = (type: string, version?: number): ConnectorEntry => {
    const entry = registry.connector(type, version);
    if (entry === undefined) {
      const known = [...new Set(registry.connectors.map((c) => c.type))].join(', ') || 'none';
      throw new InputError(
        version === undefined
          ? `No connector "${type}" is installed (installed: ${known})`
          : `Connector "${type}" version ${version} is not installed`,
        { code: 'CONNECTOR_NOT_FOUND', details: { type, ...(version === undefined ? {} : { version }) } },
      );
    }
    return entry;
  };

  const rowOf = async (workspace: string, idOrName: string, executor: Knex = db): Promise<ConnectionRow> => {
    const row = await executor<ConnectionRow>('core_connections')
      .where({ workspace })
      .andWhere(isUuid(idOrName) ? { id: idOrName } : { name: idOrName })
      .first();
    if (row === undefined) {
      throw new NotFoundError(`Connection "${idOrName}" does not exist in workspace "${workspace}"`, {
        code: 'CONNECTION_NOT_FOUND',
      });
    }
    return row;
  };

  /** Stores plain secret values as owned secrets and returns the config with references only. */
  const sealSecrets = async (
    workspace: string,
    name: string,
    entry: ConnectorEntry,
    config: Record<string, unknown>,
    actor: string | undefined,
  ): Promise<Record<string, unknown>> => {
    let sealed: unknown = config;
    for (const path of secretPathsOf(entry.config, config)) {
      const value = getAt(config, path);
      if (value === undefined) continue;
      assertSecretValue(value, path);
      if (isSecretReference(value)) {
        await secrets.get(workspace, value.$secret).catch((error: unknown) => {
          throw new InputError(`config.${path.join('.')} refers to secret "${value.$secret}", which does not exist`, {
            code: 'CONNECTION_SECRET_MISSING',
            details: { path: `config.${path.join('.')}`, secret: value.$secret },
            cause: error,
          });
        });
        continue;
      }
      const secretName = ownedSecretName(name, path);
      await secrets.put(workspace, secretName, value as string, {
        description: `Connection ${name}: ${path.join('.')}`,
        actor,
      });
      sealed = setAt(sealed, path, { $secret: secretName });
    }
    return sealed as Record<string, unknown>;
  };

  /** Runs `work` now, or once the caller's transaction has committed (never when it rolls back). */
  const afterCommit = async (options: ConnectionWriteOptions, work: () => Promise<void>): Promise<void> => {
    if (options.trx === undefined) return work();
    if (options.afterCommit !== undefined) return options.afterCommit(work);
    options.trx.executionPromise.then(work, () => undefined).catch(() => undefined);
  };

  const dropUnusedOwnedSecrets = async (workspace: string, name: string, config: Record<string, unknown>) => {
    const used = new Set(JSON.stringify(config).match(/"\$secret":"[^"]*"/g) ?? []);
    for (const info of await secrets.list(workspace)) {
      if (info.name.startsWith(ownedSecretPrefix(name)) && !used.has(`"$secret":${JSON.stringify(info.name)}`)) {
        await secrets.remove(workspace, info.name).catch(() => undefined);
      }
    }
  };

  return {
    async list(workspace) {
      const rows = await db<ConnectionRow>('core_connections').where({ workspace }).orderBy('name');
      return rows.map(recordOf);
    },

    get: async (workspace, idOrName) => recordOf(await rowOf(workspace, idOrName)),

    async create(workspace, input, actor, { trx } = {}) {
      if (!NAME.test(input.name)) {
        throw new InputError(
          `Connection name "${input.name}" must start with a lower-case letter and contain only lower-case ` +
            'letters, digits, "_" and "-" (at most 63 characters)',
          { code: 'CONNECTION_NAME_INVALID', details: { path: 'name' } },
        );
      }
      const entry = connectorOf(input.type, input.version);
      const validated = validateConnectorConfig(entry.config, input.config);
      return (trx ?? db).transaction(async (trx) => {
        // Claiming the name first means two creates of one name can never overwrite each other's secrets.
        const [claimed] = await trx('core_connections')
          .insert({
            workspace,
            name: input.name,
            type: entry.type,
            version: entry.version,
            config: {},
            description: input.description ?? null,
            created_by: actor ?? null,
          })
          .onConflict(['workspace', 'name'])
          .ignore()
          .returning<ConnectionRow[]>('*');
        if (claimed === undefined) {
          throw new ConflictError(`A connection named "${input.name}" already exists in workspace "${workspace}"`, {
            code: 'CONNECTION_EXISTS',
          });
        }
        const config = await sealSecrets(workspace, input.name, entry, validated, actor);
        const [row] = await trx<ConnectionRow>('core_connections')
          .where({ id: claimed.id })
          .update({ config: JSON.stringify(config) as never })
          .returning('*');
        return recordOf(row!);
      });
    },

    async update(workspace, idOrName, patch, options = {}) {
      const { trx } = options;
      const row = await rowOf(workspace, idOrName, trx);
      const changes: Partial<Record<keyof ConnectionRow, unknown>> = { updated_at: db.fn.now() };
      let config: Record<string, unknown> | undefined;
      if (patch.config !== undefined) {
        const entry = connectorOf(row.type, row.version);
        // Secret fields left out keep the stored reference, so an edit never needs the password again.
        let merged: unknown = patch.config;
        for (const path of secretPathsOf(entry.config, row.config)) {
          if (getAt(patch.config, path) !== undefined) continue;
          const candidate = setAt(merged, path, 'secret-reference');
          if (declaresSecretAt(entry.config, candidate, path)) merged = setAt(merged, path, getAt(row.config, path));
        }
        const validated = validateConnectorConfig(entry.config, merged);
        config = await sealSecrets(workspace, row.name, entry, validated, undefined);
        changes.config = JSON.stringify(config);
      }
      if (patch.description !== undefined) changes.description = patch.description;
      const [updated] = await (trx ?? db)<ConnectionRow>('core_connections')
        .where({ id: row.id })
        .update(changes as never)
        .returning('*');
      if (config !== undefined) await afterCommit(options, () => dropUnusedOwnedSecrets(workspace, row.name, config));
      return recordOf(updated!);
    },

    async remove(workspace, idOrName, options = {}) {
      const { trx } = options;
      const row = await rowOf(workspace, idOrName, trx);
      await (trx ?? db)('core_connections').where({ id: row.id }).delete();
      await afterCommit(options, () => dropUnusedOwnedSecrets(workspace, row.name, {}));
    },

    async resolve(workspace, idOrName) {
      const row = await rowOf(workspace, idOrName);
      const entry = registry.connector(row.type, row.version);
      if (entry === undefined) {
        throw new UserError(
          `Connection "${row.name}" needs connector "${row.type}" version ${row.version}, which is not installed`,
          { code: 'CONNECTOR_UNAVAILABLE', status: 409, details: { type: row.type, version: row.version } },
        );
      }
      let config: unknown = row.config;
      for (const path of secretPathsOf(entry.config, row.config)) {
        const reference = getAt(row.config, path);
        if (!isSecretReference(reference)) continue;
        const value = await secrets.get(workspace, reference.$secret).catch((error: unknown) => {
          throw new UserError(
            `Connection "${row.name}": secret "${reference.$secret}" for ${path.join('.')} no longer exists`,
            { code: 'CONNECTION_SECRET_MISSING', status: 409, cause: error },
          );
        });
        config = setAt(config, path, value);
      }
      return {
        record: recordOf(row),
        connector: entry,
        definition: entry.definition,
        config: validateConnectorConfig(entry.config, config),
      };
    },
  };
}

function recordOf(row: ConnectionRow): ConnectionRecord {
  return {
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    type: row.type,
    version: row.version,
    config: row.config,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
