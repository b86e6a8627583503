import { execFile } from 'node:child_process';
import { InputError, OperationalError, type Logger } from '@assay/sdk';

/** What npm printed on success. */
export interface NpmOutput {
  readonly stdout: string;
  readonly stderr: string;
}

const TIMEOUT_MS = 10 * 60 * 1000;
const NOT_FOUND_CODES = new Set(['E404', 'ETARGET', 'ENOENT', 'ENOTDIR', 'ENOVERSIONS']);
const BAD_SPEC_CODES = new Set(['EINVALIDTAGNAME', 'EINVALIDPACKAGENAME', 'EUNSUPPORTEDPROTOCOL', 'EINVALIDTYPE']);
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH']);
/** Settings npm passes to scripts it runs (`npm run assay -w core ...`) that would redirect a nested npm. */
const INHERITED_NPM_SETTINGS = /^npm_config_(workspaces?|include_workspace_root|global|location|prefix)$/i;

/**
 * Runs npm with the given arguments in `cwd` and maps a failure to an Assay error with npm's own explanation:
 * a package or file that does not exist → `PLUGIN_PACKAGE_NOT_FOUND`, a malformed spec → `PLUGIN_SPEC_INVALID`
 * (both InputError), a registry that cannot be reached → `NPM_UNAVAILABLE`, anything else → `NPM_FAILED`
 * (both OperationalError, worth retrying).
 */
export async function runNpm(args: readonly string[], options: { cwd: string; logger?: Logger }): Promise<NpmOutput> {
  const command = `npm ${args.join(' ')}`;
  options.logger?.debug({ command, cwd: options.cwd }, 'running npm');
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      [...args],
      { cwd: options.cwd, env: npmEnvironment(), timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) resolve({ stdout, stderr });
        else reject(npmError(command, error, stderr));
      },
    );
  });
}

function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_NPM_SETTINGS.test(name)));
}

function npmError(command: string, error: Error & { code?: unknown; killed?: boolean }, stderr: string): Error {
  if (error.code === 'ENOENT' && stderr === '') {
    return new OperationalError('npm was not found on PATH: install Node.js with npm to add or remove plugins', {
      code: 'NPM_NOT_FOUND',
      cause: error,
    });
  }
  const npmCode = /npm error code (\S+)/.exec(stderr)?.[1];
  const excerpt = stderrExcerpt(stderr);
  const reason = error.killed === true ? `timed out after ${TIMEOUT_MS / 60000} minutes` : excerpt || error.message;
  const message = `\`${command}\` failed${npmCode === undefined ? '' : ` (${npmCode})`}: ${reason}`;
  const details = { command, ...(npmCode === undefined ? {} : { npmCode }), stderr: excerpt };
  if (npmCode !== undefined && NOT_FOUND_CODES.has(npmCode)) {
    return new InputError(message, { code: 'PLUGIN_PACKAGE_NOT_FOUND', details, cause: error });
  }
  if (npmCode !== undefined && BAD_SPEC_CODES.has(npmCode)) {
    return new InputError(message, { code: 'PLUGIN_SPEC_INVALID', details, cause: error });
  }
  if (npmCode !== undefined && (NETWORK_CODES.has(npmCode) || /^E5\d\d$/.test(npmCode))) {
    return new OperationalError(message, { code: 'NPM_UNAVAILABLE', details, cause: error });
  }
  return new OperationalError(message, { code: 'NPM_FAILED', details, cause: error });
}

/** npm's explanation without its boilerplate: the last error lines, at most 1000 characters. */
export function stderrExcerpt(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('npm error') || line.startsWith('npm ERR!'))
    .map((line) => line.replace(/^npm (error|ERR!)\s?/, '').trim())
    .filter((line) => line !== '' && !/complete log of this run|^code \S+$/i.test(line));
  return lines.slice(-10).join(' ').slice(-1000);
}
