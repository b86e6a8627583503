import { InputError, NotFoundError, OperationalError } from '@assay/sdk';
import type { Knex } from 'knex';
import { openSecret, sealSecret, type SealedSecret } from './secret-box.ts';
import type { SecretKey } from './secret-key.ts';
import { assertSecretName } from './secret-name.ts';

/** What may be known about a secret without its value. */
export interface SecretInfo {
  readonly name: string;
  readonly description: string | null;
  /** Id of the principal that first stored it, when known. */
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Encrypted named secrets per workspace, in `core_secrets`. Only `get` returns a value. */
export interface SecretStore {
  /** Stores a value under `name`, replacing the value and description of an existing secret. */
  put(
    workspace: string,
    name: string,
    value: string,
    options?: { description?: string | undefined; actor?: string | undefined },
  ): Promise<SecretInfo>;
  /** The plaintext, for core internals (connectors); never for an API response. NotFoundError `SECRET_NOT_FOUND`. */
  get(workspace: string, name: string): Promise<string>;
  /** The secrets of a workspace by name, without values. */
  list(workspace: string): Promise<SecretInfo[]>;
  /** Deletes a secret; NotFoundError `SECRET_NOT_FOUND` when there is none. */
  remove(workspace: string, name: string): Promise<void>;
  /** Boot check: throws `SECRET_KEY_MISMATCH` when stored secrets were encrypted with another key. */
  verifyKey(): Promise<void>;
  /**
   * Re-encrypts every secret with `newKey` in one transaction that locks the table against writes, so a failure
   * leaves all secrets under the old key. `beforeCommit` runs after the last row is rewritten, before COMMIT; if
   * it throws, nothing changes. Afterwards this store uses `newKey`.
   */
  rotate(newKey: SecretKey, options?: { beforeCommit?: () => Promise<void> }): Promise<{ reencrypted: number }>;
}

interface SecretRow {
  id: string;
  workspace: string;
  name: string;
  key_id: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  description: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const INFO_COLUMNS = ['name', 'description', 'created_by', 'created_at', 'updated_at'] as const;

/** The secret store over `db` with `key` as the current encryption key. */
export function createSecretStore(options: { db: Knex; key: SecretKey }): SecretStore {
  const { db } = options;
  let key = options.key;

  const keyMismatch = async (action: string): Promise<OperationalError> => {
    const stored = await db<SecretRow>('core_secrets')
      .whereNot('key_id', key.id)
      .select('key_id')
      .count<{ key_id: string; count: string }[]>('* as count')
      .groupBy('key_id');
    return mismatchError(action, key, stored);
  };

  return {
    async put(workspace, name, value, { description, actor } = {}) {
      assertSecretName(name);
      if (value === '')
        throw new InputError(`Secret "${name}" needs a non-empty value`, { code: 'SECRET_VALUE_EMPTY' });
      const sealed = sealSecret(key, boundTo(workspace, name), value);
      // The insert only happens while every stored secret is under this process's key: a process still holding a
      // rotated-out key must not add rows nobody else can read. During a rotation it waits for the table lock.
      const result = await db.raw<{ rows: SecretRow[] }>(
        `insert into core_secrets (workspace, name, key_id, iv, tag, ciphertext, description, created_by)
         select ?::text, ?::text, ?::text, ?::bytea, ?::bytea, ?::bytea, ?::text, ?::text
         where not exists (select 1 from core_secrets where key_id <> ?)
         on conflict (workspace, name) do update set key_id = excluded.key_id, iv = excluded.iv, tag = excluded.tag,
           ciphertext = excluded.ciphertext, description = excluded.description, updated_at = now()
         returning ${INFO_COLUMNS.join(', ')}`,
        [
          workspace,
          name,
          sealed.keyId,
          sealed.iv,
          sealed.tag,
          sealed.ciphertext,
          description ?? null,
          actor ?? null,
          key.id,
        ],
      );
      const row = result.rows[0];
      if (row === undefined) throw await keyMismatch(`Cannot store secret ${boundTo(workspace, name)}`);
      return toInfo(row);
    },

    async get(workspace, name) {
      const row = await db<SecretRow>('core_secrets')
        .where({ workspace, name })
        .first('key_id', 'iv', 'tag', 'ciphertext');
      if (row === undefined) throw notFound(workspace, name);
      return openSecret(key, boundTo(workspace, name), sealedOf(row));
    },

    async list(workspace) {
      const rows = await db<SecretRow>('core_secrets')
        .where({ workspace })
        .orderBy('name')
        .select(...INFO_COLUMNS);
      return rows.map(toInfo);
    },

    async remove(workspace, name) {
      const deleted = await db<SecretRow>('core_secrets').where({ workspace, name }).delete();
      if (deleted === 0) throw notFound(workspace, name);
    },

    async verifyKey() {
      const other = await db<SecretRow>('core_secrets').whereNot('key_id', key.id).first('id');
      if (other !== undefined) throw await keyMismatch('This process cannot read the stored secrets');
    },

    async rotate(newKey, { beforeCommit } = {}) {
      if (newKey.id === key.id) {
        throw new InputError(`The new secret key is the current key (id ${key.id}); give a different one`, {
          code: 'SECRET_KEY_UNCHANGED',
        });
      }
      const reencrypted = await db.transaction(async (trx) => {
        // EXCLUSIVE blocks every write (puts, deletes, another rotation) but not reads, until COMMIT.
        await trx.raw('lock table core_secrets in exclusive mode');
        const rows = await trx<SecretRow>('core_secrets')
          .orderBy(['workspace', 'name'])
          .select('id', 'workspace', 'name', 'key_id', 'iv', 'tag', 'ciphertext');
        for (const row of rows) {
          const bound = boundTo(row.workspace, row.name);
          const sealed = sealSecret(newKey, bound, openSecret(key, bound, sealedOf(row)));
          await trx<SecretRow>('core_secrets').where({ id: row.id }).update({
            key_id: sealed.keyId,
            iv: sealed.iv,
            tag: sealed.tag,
            ciphertext: sealed.ciphertext,
          });
        }
        await beforeCommit?.();
        return rows.length;
      });
      key = newKey;
      return { reencrypted };
    },
  };
}

/** The associated data that binds a ciphertext to its row. Neither part can contain "/" after the workspace. */
function boundTo(workspace: string, name: string): string {
  return `${workspace}/${name}`;
}

function sealedOf(row: Pick<SecretRow, 'key_id' | 'iv' | 'tag' | 'ciphertext'>): SealedSecret {
  return { keyId: row.key_id, iv: row.iv, tag: row.tag, ciphertext: row.ciphertext };
}

function toInfo(row: Pick<SecretRow, (typeof INFO_COLUMNS)[number]>): SecretInfo {
  return {
    name: row.name,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function notFound(workspace: string, name: string): NotFoundError {
  return new NotFoundError(`Secret "${name}" does not exist in workspace "${workspace}"`, {
    code: 'SECRET_NOT_FOUND',
    details: { workspace, name },
  });
}

function mismatchError(
  action: string,
  key: SecretKey,
  stored: readonly { key_id: string; count: string }[],
): OperationalError {
  const storedIds = stored.map((row) => row.key_id);
  const rows = stored.reduce((sum, row) => sum + Number(row.count), 0);
  const origin = key.source === 'env' ? 'from ASSAY_SECRET_KEY' : `from the key file ${key.path}`;
  return new OperationalError(
    `${action}: this process's secret key (id ${key.id}, ${origin}) is not the key the ${rows} stored secret(s) ` +
      `were encrypted with (id ${storedIds.join(', ') || 'unknown'}). Every process of a cluster must share the ` +
      `same key: set the same ASSAY_SECRET_KEY on all of them, or give them all the same key file ` +
      `(secrets.keyFile). If "assay secrets rotate" was interrupted, run it again with the same key file to finish.`,
    { code: 'SECRET_KEY_MISMATCH', details: { keyId: key.id, storedKeyIds: storedIds } },
  );
}
