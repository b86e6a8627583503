import { startCoreTestPlatform } from '@assay/core/test-platform';

/** Where the portal keeps the API document its typed client is generated from. */
export const PORTAL_OPENAPI = new URL('../../portal/src/lib/api/openapi.json', import.meta.url);

/** The tags of the API areas the portal calls today; the drift test compares exactly these. */
export const PORTAL_TAGS = ['auth', 'tokens', 'workspaces'] as const;

interface OpenApiDocument {
  paths: Record<string, Record<string, { tags?: string[] }>>;
  [key: string]: unknown;
}

/**
 * The OpenAPI document of a real platform with the built-in plugins, as `GET /api/docs/json` answers it. The
 * version is fixed so regenerating the committed copy changes nothing but the API.
 */
export async function liveOpenApiDocument(): Promise<OpenApiDocument> {
  const kit = await startCoreTestPlatform({ builtins: true, worker: false });
  try {
    const response = await kit.injectAnonymous({ url: '/api/docs/json' });
    if (response.statusCode !== 200) throw new Error(`GET /api/docs/json answered ${response.statusCode}`);
    const document = response.json() as OpenApiDocument;
    return { ...document, info: { ...(document.info as object), version: '0.0.0' } };
  } finally {
    await kit.close();
  }
}

/** The operations of the given tags only, keyed `METHOD path`. */
export function operationsTagged(document: OpenApiDocument, tags: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (operation.tags?.some((tag) => tags.includes(tag))) picked[`${method.toUpperCase()} ${path}`] = operation;
    }
  }
  return picked;
}
