import { parseArgs } from 'node:util';
import { InputError, OperationalError } from '@assay/sdk';
import type { AssayConfig } from '../config/config.schema.ts';
import { openDatabase } from '../database/open-database.ts';
import { createLogger } from '../platform/logger.ts';
import { rotateSecretKey, type KeyRotationResult } from '../secrets/key-rotation.ts';
import {
  decodeSecretKey,
  encodeSecretKey,
  generateSecretKey,
  keyFromBytes,
  loadSecretKey,
  readSecretKeyFrom,
  type SecretKey,
} from '../secrets/secret-key.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';

export const secretsUsage = `assay secrets rotate [--new-key-file PATH] [--json]
      Re-encrypts every stored secret with a new key (ASSAY_NEW_SECRET_KEY, --new-key-file, or generated) and
      replaces the key file; when the key comes from ASSAY_SECRET_KEY, tells you to set the new one there.`;

/** The process around the command: environment, configuration and where output goes. Replaced in tests. */
export interface SecretsCommandContext {
  env: NodeJS.ProcessEnv;
  config(file: string | undefined): AssayConfig;
  out(line: string): void;
}

const NEW_KEY_ENV = 'ASSAY_NEW_SECRET_KEY';

const processContext: SecretsCommandContext = {
  env: process.env,
  config: (file) => configFor({ config: file }),
  out: (line) => console.log(line),
};

/**
 * `assay secrets rotate`: re-encrypts the stored secrets with a new key in one transaction. A key file is replaced
 * only after the commit (see `rotateSecretKey` for the crash-safe order); a key from `ASSAY_SECRET_KEY` cannot be
 * replaced from here, so a generated new key is printed once, before the commit makes it the only valid one.
 */
export async function secretsCommand(args: string[], context: SecretsCommandContext = processContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, 'new-key-file': { type: 'string' } },
  });
  if (positionals.length !== 1 || positionals[0] !== 'rotate') {
    throw new InputError(`Usage: ${secretsUsage}`, { code: 'USAGE' });
  }
  const config = context.config(values.config);
  const current = await loadSecretKey({ env: context.env, home: config.home, keyFile: config.secrets.keyFile });
  const next = await newKey(context.env, values['new-key-file']);
  const printKey = current.source === 'env' && next.source === 'generated';
  const database = await openDatabase(config, createLogger(config, 'cli', 2));
  let rotation: KeyRotationResult;
  try {
    rotation = await rotateSecretKey({
      db: database.db,
      current,
      next,
      beforeCommit: () => {
        // Shown before COMMIT: once committed, this key is the only way to read the secrets.
        if (printKey && !values.json) {
          context.out(`New secret key (id ${next.id}), shown only this once; keep it safe:`);
          context.out(encodeSecretKey(next));
        }
      },
    });
  } catch (error) {
    throw notMigrated(error) ?? error;
  } finally {
    await database.close();
  }
  if (values.json) {
    context.out(
      JSON.stringify({
        ...rotation,
        keySource: current.source === 'env' ? 'env' : 'file',
        ...(printKey ? { newKey: encodeSecretKey(next) } : {}),
      }),
    );
    return 0;
  }
  for (const line of summaryLines(rotation, current, next)) context.out(line);
  return 0;
}

async function newKey(env: NodeJS.ProcessEnv, file: string | undefined): Promise<SecretKey> {
  const fromEnv = env[NEW_KEY_ENV];
  const hasEnv = fromEnv !== undefined && fromEnv !== '';
  if (hasEnv && file !== undefined) {
    throw new InputError(`Give the new key either in ${NEW_KEY_ENV} or with --new-key-file, not both`, {
      code: 'USAGE',
    });
  }
  if (hasEnv)
    return { ...keyFromBytes(decodeSecretKey(fromEnv, `The environment variable ${NEW_KEY_ENV}`)), source: 'env' };
  if (file !== undefined) return readSecretKeyFrom(file);
  return generateSecretKey();
}

function summaryLines(rotation: KeyRotationResult, current: SecretKey, next: SecretKey): string[] {
  if (rotation.finishedInterrupted) {
    return [
      `Finished an interrupted rotation: ${rotation.keyFile} now holds key ${rotation.keyId}, the key the stored ` +
        `secrets are encrypted with. Run "assay secrets rotate" again to rotate to a fresh key.`,
    ];
  }
  const lines = [`Re-encrypted ${rotation.reencrypted} secret(s) with key ${rotation.keyId} (was ${current.id}).`];
  if (rotation.keyFile !== undefined) {
    lines.push(
      `${rotation.keyFile} now holds the new key; the previous one is kept in ${rotation.previousKeyFile}.`,
      'Give every other Assay process this key file (or its content as ASSAY_SECRET_KEY) and restart them.',
    );
  } else {
    const from =
      next.source === 'generated' ? 'printed above' : next.source === 'env' ? `from ${NEW_KEY_ENV}` : `in ${next.path}`;
    lines.push(
      `Now set ASSAY_SECRET_KEY to the new key (${from}) on every Assay process and restart them; until then they ` +
        `cannot read the secrets.`,
    );
  }
  return lines;
}

/** PostgreSQL's "undefined table": this database was never migrated by a version of Assay with secrets. */
function notMigrated(error: unknown): OperationalError | undefined {
  if ((error as { code?: unknown }).code !== '42P01') return undefined;
  return new OperationalError(
    'The database has no secrets table yet: run "assay migrate" (or start Assay once) first',
    {
      code: 'DATABASE_NOT_MIGRATED',
      cause: error,
    },
  );
}
