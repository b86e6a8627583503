import { ApiError } from './api/api-error';
import { api, call } from './api/client';
import type { paths } from './api/schema';

/** The signed-in caller as `GET /api/v1/me` describes them. */
export type Me = paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];
export type MeWorkspace = Me['workspaces'][number];

/** Who is signed in, loaded once by the shell and cleared on sign-out or when the session expires. */
class Session {
  me = $state<Me | undefined>();
  error = $state<ApiError | undefined>();
  loading = $state(false);

  async load(): Promise<void> {
    this.loading = true;
    this.error = undefined;
    try {
      this.me = await call(api.GET('/api/v1/me'));
    } catch (error) {
      this.me = undefined;
      this.error = ApiError.from(error);
    } finally {
      this.loading = false;
    }
  }

  workspace(slug: string | undefined): MeWorkspace | undefined {
    return this.me?.workspaces.find((w) => w.slug === slug);
  }

  /** The server said the session is gone: forget the caller without asking again until the next sign-in. */
  expire(): void {
    this.me = undefined;
    this.error = new ApiError('SESSION_EXPIRED', 'Your session has ended; sign in again', 401);
  }

  clear(): void {
    this.me = undefined;
    this.error = undefined;
  }
}

export const session = new Session();
