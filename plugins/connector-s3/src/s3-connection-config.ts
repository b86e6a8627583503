import { Secret, Type } from '@assay/sdk';
import type { Static, UiHints } from '@assay/sdk';

/** Connection config: a bucket and key prefix on AWS S3 or an S3-compatible server. */
export const S3ConnectionConfig = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 255, description: 'Bucket name' }),
    prefix: Type.Optional(
      Type.String({ default: '', description: 'Key prefix the stream globs are relative to, e.g. `exports/pos`' }),
    ),
    region: Type.Optional(Type.String({ minLength: 1, default: 'us-east-1' })),
    endpoint: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'An S3-compatible server such as http://minio:9000; AWS S3 when unset',
      }),
    ),
    forcePathStyle: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Path-style URLs (endpoint/bucket/key), needed by most S3-compatible servers',
      }),
    ),
    accessKeyId: Type.Optional(
      Type.String({ description: "Access key id; the server's AWS credential chain (environment, role) when unset" }),
    ),
    secretAccessKey: Type.Optional(Secret({ description: 'Secret access key' })),
    sessionToken: Type.Optional(Secret({ description: 'Session token of temporary credentials' })),
  },
  { additionalProperties: false },
);

export type S3ConnectionSettings = Static<typeof S3ConnectionConfig>;

export const s3ConnectionUi: UiHints = {
  order: ['bucket', 'prefix', 'region', 'endpoint', 'forcePathStyle', 'accessKeyId', 'secretAccessKey', 'sessionToken'],
  groups: [
    { title: 'Location', fields: ['bucket', 'prefix', 'region'] },
    { title: 'S3-compatible server', fields: ['endpoint', 'forcePathStyle'] },
    { title: 'Credentials', fields: ['accessKeyId', 'secretAccessKey', 'sessionToken'] },
  ],
  widgets: { secretAccessKey: 'password', sessionToken: 'password' },
  placeholders: { bucket: 'acme-exports', prefix: 'pos/daily', endpoint: 'http://minio:9000' },
};

/** The prefix as a key prefix: '' for the whole bucket, otherwise ending in one `/`. */
export function keyPrefixOf(config: S3ConnectionSettings): string {
  const trimmed = (config.prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** `s3://bucket/prefix/...` for messages and `_source`. */
export function s3Url(config: S3ConnectionSettings, key = keyPrefixOf(config)): string {
  return `s3://${config.bucket}/${key}`;
}
