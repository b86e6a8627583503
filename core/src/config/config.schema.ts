import { Type, type Static } from 'typebox';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Everything Assay reads at boot. `assay.yaml` uses these keys; environment variables (see `config-env.ts`)
 * override them. Unknown keys are refused so that a typo never silently falls back to a default.
 */
export const AssayConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port (env PORT)' }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to listen on (env HOST)' }),
    home: Type.String({
      minLength: 1,
      default: './.assay',
      description: 'State directory: embedded database, lake, generated keys, installed plugins (env ASSAY_HOME)',
    }),
    databaseUrl: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description: 'PostgreSQL connection string; embedded PostgreSQL when absent (env DATABASE_URL)',
      }),
    ),
    lake: Type.Optional(
      Type.String({ minLength: 1, description: 'Lake storage: a path or s3://bucket/prefix (env ASSAY_LAKE)' }),
    ),
    plugins: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Third-party plugin packages or paths to load (env ASSAY_PLUGINS, comma-separated)',
    }),
    logLevel: Type.Enum([...LOG_LEVELS], { default: 'info', description: 'Log level (env LOG_LEVEL)' }),
    worker: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: '`assay serve` also works queue jobs (env ASSAY_SERVE_WORKER)',
        }),
        metricsPort: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 65535,
            description: '`assay worker` serves /metrics and /healthz on this port (env ASSAY_WORKER_METRICS_PORT)',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    s3: Type.Object(
      {
        endpoint: Type.Optional(
          Type.String({ pattern: '^https?://', description: 'S3-compatible endpoint (env AWS_ENDPOINT_URL_S3)' }),
        ),
        region: Type.Optional(Type.String({ minLength: 1, description: 'Region (env AWS_REGION)' })),
        forcePathStyle: Type.Optional(Type.Boolean({ description: 'Path-style URLs; on by default with an endpoint' })),
        conditionalWrites: Type.Boolean({
          default: false,
          description:
            'The server honours If-None-Match: * (AWS, R2, recent MinIO); else commits use a PostgreSQL lock',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    engine: Type.Object(
      {
        memoryLimit: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$', default: '1GB' }),
        threads: Type.Integer({ minimum: 1, maximum: 256, default: 2 }),
        cacheGb: Type.Number({ minimum: 0.1, default: 10, description: 'Local cache for S3 data files' }),
      },
      { additionalProperties: false, default: {} },
    ),
    ingest: Type.Object(
      {
        uploadMaxMb: Type.Number({
          minimum: 1,
          default: 2048,
          description: 'Largest file accepted by a connection upload (POST …/connections/:id/uploads), in MB',
        }),
        landingRetentionDays: Type.Number({
          minimum: 0,
          default: 30,
          description: 'Raw files kept in landing this many days after their load; 0 keeps them forever',
        }),
        timeoutMinutes: Type.Number({ minimum: 1, default: 240, description: 'Longest an ingest load may run' }),
      },
      { additionalProperties: false, default: {} },
    ),
    pipelines: Type.Object(
      {
        maxParallelJobsPerWorkspace: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 8,
          description: 'Jobs of one workspace running (or queued to run) at once, across all its pipeline runs',
        }),
        workerConcurrency: Type.Integer({
          minimum: 1,
          maximum: 256,
          default: 4,
          description: 'Pipeline jobs one process (assay serve, assay worker, assay run --watch) runs at once',
        }),
        backfillConfirmAbove: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 60,
          description: 'A backfill with more partition job runs than this starts only when explicitly confirmed',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
      default: false,
      description:
        'Behind a reverse proxy: true, or its addresses/CIDRs comma-separated, so client addresses (login rate ' +
        'limits, the audit log) come from X-Forwarded-For (env ASSAY_TRUST_PROXY)',
    }),
    auth: Type.Object(
      {
        cookieSecure: Type.Boolean({
          default: true,
          description: 'Session cookies carry Secure; turn off only for plain-HTTP access other than localhost',
        }),
        sessionHours: Type.Number({ minimum: 0.1, maximum: 720, default: 12, description: 'Session lifetime' }),
        maxFailedLogins: Type.Integer({
          minimum: 1,
          default: 5,
          description: 'Failed password logins in a row before the account locks',
        }),
        lockoutMinutes: Type.Number({ minimum: 1, default: 15, description: 'How long a locked account stays locked' }),
        oidc: Type.Optional(
          Type.Object(
            {
              issuer: Type.String({
                pattern: '^https?://',
                description: 'OpenID provider issuer URL (env OIDC_ISSUER)',
              }),
              clientId: Type.String({ minLength: 1, description: 'env OIDC_CLIENT_ID' }),
              clientSecret: Type.Optional(Type.String({ minLength: 1, description: 'env OIDC_CLIENT_SECRET' })),
              redirectUri: Type.String({
                pattern: '^https?://',
                description: "This server's callback: <public URL>/api/v1/auth/oidc/callback (env OIDC_REDIRECT_URI)",
              }),
              scopes: Type.Array(Type.String({ minLength: 1 }), { default: ['openid', 'email', 'profile'] }),
              groupsClaim: Type.String({ minLength: 1, default: 'groups', description: 'ID token claim with groups' }),
              groupRoles: Type.Record(
                Type.String(),
                Type.Array(
                  Type.Object(
                    { workspace: Type.String({ minLength: 1 }), role: Type.String({ minLength: 1 }) },
                    { additionalProperties: false },
                  ),
                ),
                {
                  default: {},
                  description: 'IdP group → workspace roles, applied at every login (groups may also get roles by API)',
                },
              ),
              postLogoutRedirectUri: Type.Optional(Type.String({ pattern: '^https?://' })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    secrets: Type.Object(
      {
        keyFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'AES-256 key file; default <home>/secret.key, generated at first start (env ASSAY_SECRET_KEY wins)',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    shutdownTimeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: 'How long shutdown waits for requests and jobs before releasing them',
    }),
    pluginConfig: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: "Per-plugin settings keyed by plugin id, validated against each plugin's config schema",
    }),
  },
  { additionalProperties: false },
);

/** The validated configuration as read from `assay.yaml` and the environment. */
export type AssayConfigInput = Static<typeof AssayConfigSchema>;

/** Where the lake lives. */
export type LakeLocation =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** The configuration the platform runs with: paths resolved, lake parsed. */
export interface AssayConfig extends Omit<AssayConfigInput, 'lake'> {
  /** Absolute. */
  readonly home: string;
  readonly lake: LakeLocation;
  /** The file it was read from, if any. */
  readonly configFile: string | undefined;
}
