import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { liveOpenApiDocument, operationsTagged, PORTAL_OPENAPI, PORTAL_TAGS } from './openapi-document.ts';

test("the portal's committed API document matches the server for the areas the portal uses", async () => {
  const committed = JSON.parse(await readFile(PORTAL_OPENAPI, 'utf8')) as Parameters<typeof operationsTagged>[0];
  const live = await liveOpenApiDocument();
  const expected = operationsTagged(live, PORTAL_TAGS);
  assert.ok(Object.keys(expected).includes('GET /api/v1/auth/options'), 'the sign-in options route is documented');
  assert.deepEqual(
    operationsTagged(committed, PORTAL_TAGS),
    expected,
    'portal/src/lib/api/openapi.json is stale: run `npm run portal:api` and commit the result',
  );
});
