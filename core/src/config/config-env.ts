/** Environment variables and the config keys they set. Values are strings; the loader converts them. */
export const ENV_KEYS = {
  PORT: 'port',
  HOST: 'host',
  ASSAY_HOME: 'home',
  DATABASE_URL: 'databaseUrl',
  ASSAY_LAKE: 'lake',
  ASSAY_PLUGINS: 'plugins',
  LOG_LEVEL: 'logLevel',
  ASSAY_SERVE_WORKER: 'worker.enabled',
  ASSAY_WORKER_METRICS_PORT: 'worker.metricsPort',
  ASSAY_COOKIE_SECURE: 'auth.cookieSecure',
  ASSAY_TRUST_PROXY: 'trustProxy',
  OIDC_ISSUER: 'auth.oidc.issuer',
  OIDC_CLIENT_ID: 'auth.oidc.clientId',
  OIDC_CLIENT_SECRET: 'auth.oidc.clientSecret',
  OIDC_REDIRECT_URI: 'auth.oidc.redirectUri',
} as const;

export type EnvName = keyof typeof ENV_KEYS;

/** The config path each environment variable sets, for error messages and docs. */
export function envNameFor(path: string): EnvName | undefined {
  return (Object.keys(ENV_KEYS) as EnvName[]).find((name) => ENV_KEYS[name] === path);
}

/**
 * Reads the Assay variables from an environment into a partial config object. Conversion is minimal and exact
 * (`"3000"` → 3000, `"true"`/`"false"` → booleans, comma lists → arrays); anything else is left as the string so
 * validation reports it with the variable's name.
 */
export function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of Object.keys(ENV_KEYS) as EnvName[]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(result, ENV_KEYS[name], convert(name, raw));
  }
  return result;
}

function convert(name: EnvName, raw: string): unknown {
  switch (name) {
    case 'PORT':
    case 'ASSAY_WORKER_METRICS_PORT':
      return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'ASSAY_SERVE_WORKER':
    case 'ASSAY_COOKIE_SECURE':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'ASSAY_TRUST_PROXY':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'ASSAY_PLUGINS':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    default:
      return raw;
  }
}

/** Sets `a.b.c` in a nested plain object, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
