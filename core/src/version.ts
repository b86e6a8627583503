import { readFileSync } from 'node:fs';

/** The version of @assay/core, which is the platform version plugins declare compatibility with. */
export const platformVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
