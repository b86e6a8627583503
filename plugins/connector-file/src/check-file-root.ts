import { readdir } from 'node:fs/promises';
import { AssayError } from '@assay/sdk';
import type { ConnectionCheckResult, ConnectorContext } from '@assay/sdk';
import type { FileConnectionSettings } from './file-connection-config.ts';
import { resolveFileRoot } from './file-root.ts';

const DIAGNOSIS: Readonly<Record<string, string>> = {
  FILE_ROOT_NOT_FOUND: 'NOT_FOUND',
  FILE_ROOT_NOT_A_DIRECTORY: 'NOT_FOUND',
  FILE_ROOT_PERMISSION_DENIED: 'PERMISSION_DENIED',
  FILE_ROOT_NOT_ALLOWED: 'FILE_ROOT_NOT_ALLOWED',
  FILE_ROOT_REQUIRED: 'INVALID_CONFIG',
};

/** Checks the root is allowed, exists and can be listed. */
export async function checkFileRoot(
  ctx: ConnectorContext,
  config: FileConnectionSettings,
): Promise<ConnectionCheckResult> {
  try {
    const root = await resolveFileRoot(ctx, config);
    if (!root.exists) return { ok: true, message: 'No files have been uploaded to this connection yet' };
    const entries = await readdir(root.path).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      return undefined;
    });
    if (entries === undefined) {
      return {
        ok: false,
        code: 'PERMISSION_DENIED',
        message: `The server may not list ${root.path}: grant the Assay process read access`,
      };
    }
    const visible = entries.filter((name) => !name.startsWith('.')).length;
    const what = root.source === 'upload' ? 'the uploads directory' : root.path;
    return { ok: true, message: `Listed ${what}: ${visible} entr${visible === 1 ? 'y' : 'ies'}` };
  } catch (error) {
    if (error instanceof AssayError && DIAGNOSIS[error.code] !== undefined) {
      return { ok: false, code: DIAGNOSIS[error.code]!, message: error.message };
    }
    throw error;
  }
}
