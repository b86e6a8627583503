import { api, call } from './api/client';
import type { paths } from './api/schema';

/** Whether first-run setup is needed and whether single sign-on is offered. */
export type SignInOptions = paths['/api/v1/auth/options']['get']['responses'][200]['content']['application/json'];

export function loadSignInOptions(): Promise<SignInOptions> {
  return call(api.GET('/api/v1/auth/options'));
}
