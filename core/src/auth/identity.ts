import { randomUUID } from 'node:crypto';
import { defineEvent, Type, type EventBus } from '@assay/sdk';
import type { Knex } from 'knex';
import type { Logger as PinoLogger } from 'pino';
import { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { createAccessControl, type AccessControl } from './access-control.ts';
import { ApiTokenStore } from './api-tokens.ts';
import { Authenticator } from './authenticator.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './users.ts';

/** Published after any change to users, tokens, sessions, workspaces or policies, so every process drops caches. */
export const authChanged = defineEvent({
  topic: 'core.auth-changed',
  schema: Type.Object({ origin: Type.String() }),
});

/** Everything identity and access: stores, the authorizer and the authenticator, kept coherent across processes. */
export interface Identity {
  readonly access: AccessControl;
  readonly users: UserStore;
  readonly tokens: ApiTokenStore;
  readonly sessions: SessionStore;
  readonly workspaces: WorkspaceStore;
  readonly authenticator: Authenticator;
  /** Drops this process's caches and tells the others to reload. Call after changing users, tokens or sessions. */
  changed(): void;
  /** Starts listening for other processes' changes; returns the function that stops. */
  listen(events: EventBus): () => void;
}

export async function createIdentity(options: { db: Knex; logger: PinoLogger }): Promise<Identity> {
  const origin = randomUUID();
  const access = await createAccessControl({ db: options.db });
  const users = new UserStore(options.db);
  const tokens = new ApiTokenStore(options.db);
  const sessions = new SessionStore(options.db);
  const workspaces = new WorkspaceStore(options.db);
  const authenticator = new Authenticator({ users, tokens, sessions, access });
  let events: EventBus | undefined;

  const dropLocalCaches = (): void => {
    authenticator.invalidate();
    workspaces.invalidate();
  };
  const broadcast = (): void => {
    events?.publish(authChanged, { origin }).catch((error: unknown) => {
      options.logger.error({ err: error }, 'could not tell other processes about an access change');
    });
  };
  access.onChange(() => {
    dropLocalCaches();
    broadcast();
  });

  return {
    access,
    users,
    tokens,
    sessions,
    workspaces,
    authenticator,
    changed: () => {
      dropLocalCaches();
      broadcast();
    },
    listen(bus) {
      events = bus;
      return bus.listen(authChanged, ({ origin: from }) => {
        if (from === origin) return;
        dropLocalCaches();
        access.reload().then(dropLocalCaches, (error: unknown) => {
          options.logger.error({ err: error }, 'could not reload access policies');
        });
      });
    },
  };
}
