import { quoteLiteral } from '@assay/sdk';

/** A list literal of JSON pointers to the given top-level fields (`/a`, with `~` and `/` escaped), for json_extract. */
export function pointers(fields: readonly string[]): string {
  return `[${fields.map((f) => quoteLiteral(`/${f.replaceAll('~', '~0').replaceAll('/', '~1')}`)).join(', ')}]`;
}
