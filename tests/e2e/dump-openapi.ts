// Writes the API document the portal's typed client is generated from (portal/src/lib/api/openapi.json), from a
// real platform on a scratch database: `npm run portal:api` (needs TEST_DATABASE_URL, as `npm test` does).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { liveOpenApiDocument, PORTAL_OPENAPI } from './openapi-document.ts';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const document = await liveOpenApiDocument();
await writeFile(PORTAL_OPENAPI, `${JSON.stringify(document, null, 2)}\n`);
console.error(`wrote ${fileURLToPath(PORTAL_OPENAPI)} (${Object.keys(document.paths).length} paths)`);
