import { AssayError, classifyError } from '@assay/sdk';

/** Why a plugin could not be loaded or started. Stable codes; clients and tests branch on them. */
export type PluginLoadErrorCode =
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_INCOMPATIBLE'
  | 'PLUGIN_DUPLICATE_ID'
  | 'PLUGIN_CONTRIBUTION_CONFLICT'
  | 'PLUGIN_INIT_FAILED';

/** One problem, as listed in `details.problems` of a combined error. */
export interface PluginProblem {
  readonly code: string;
  readonly plugin: string;
  readonly message: string;
}

/**
 * A plugin stopped the platform from booting (or an install from completing). `details.plugin` names the plugin
 * (its id, or the package or spec when the id is not known yet). Load problems are the admin's to fix, so they are
 * never retried; an init failure is classified by its cause (a database outage during init is operational).
 */
export class PluginLoadError extends AssayError {
  /** The plugin id, package name or spec the problem is about. */
  readonly plugin: string;

  constructor(
    message: string,
    options: { code: PluginLoadErrorCode; plugin: string; details?: Record<string, unknown>; cause?: unknown },
  ) {
    const initFailed = options.code === 'PLUGIN_INIT_FAILED';
    super(message, {
      code: options.code,
      status: initFailed ? 500 : 422,
      errorClass: initFailed ? classifyError(options.cause) : 'user',
      details: { plugin: options.plugin, ...options.details },
      cause: options.cause,
    });
    this.plugin = options.plugin;
  }
}

/**
 * One error for a list of problems, so an admin sees everything to fix in one boot attempt. A single problem is
 * returned as it is; several keep the first one's code and plugin and list all of them in the message and details.
 */
export function combinePluginErrors(problems: readonly PluginLoadError[]): PluginLoadError {
  const [first, ...rest] = problems;
  if (first === undefined) throw new RangeError('combinePluginErrors needs at least one problem');
  if (rest.length === 0) return first;
  const listed: PluginProblem[] = problems.map(({ code, plugin, message }) => ({ code, plugin, message }));
  return new PluginLoadError(
    `${problems.length} plugin problems stop Assay from starting:\n${listed.map((p) => `  - ${p.message} [${p.code}]`).join('\n')}`,
    {
      code: first.code as PluginLoadErrorCode,
      plugin: first.plugin,
      details: { problems: listed },
      cause: new AggregateError(problems, 'plugin problems'),
    },
  );
}
