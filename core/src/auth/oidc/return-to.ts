import { InputError } from '@assay/sdk';

const MAX_RETURN_TO_LENGTH = 2048;

/**
 * Checks where a login may send the user afterwards: only a path on this server (`/datasets?x=1`), never another
 * origin. `//evil.example` and `/\evil.example` are refused because browsers read them as links to another host;
 * so are control characters, which some browsers strip before resolving.
 */
export function checkReturnTo(returnTo: string): string {
  const valid =
    returnTo.length <= MAX_RETURN_TO_LENGTH &&
    returnTo.startsWith('/') &&
    !returnTo.startsWith('//') &&
    !returnTo.startsWith('/\\') &&
    !/[\p{Cc}\\]/u.test(returnTo) &&
    new URL(returnTo, 'http://assay.invalid').origin === 'http://assay.invalid';
  if (!valid) {
    throw new InputError(
      'returnTo must be a path on this server starting with a single "/" (for example "/datasets"), at most 2048 characters',
      { code: 'RETURN_TO_INVALID', details: { path: '/querystring/returnTo' } },
    );
  }
  return returnTo;
}
