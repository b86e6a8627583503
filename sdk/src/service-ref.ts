/**
 * Where a service instance lives: one for the whole process (`root`), or one per plugin (`plugin`),
 * for services that know which plugin is calling (its logger, its routes, its event subscriptions).
 */
export type ServiceScope = 'root' | 'plugin';

/** A typed handle to a service. Plugins declare these as `deps` and receive the instance. */
export interface ServiceRef<T> {
  readonly id: string;
  readonly scope: ServiceScope;
  /** Type carrier only; never set at run time. */
  readonly T?: T;
}

const SERVICE_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/;

/**
 * Creates a typed service reference. Ids are dotted and namespaced by their owner: `core.database`, `quality.checks`.
 *
 * @example
 * ```ts
 * import { createServiceRef } from '@assay/sdk';
 * interface Clock { now(): Date }
 * export const clockService = createServiceRef<Clock>({ id: 'acme.clock' });
 * ```
 */
export function createServiceRef<T>(options: { id: string; scope?: ServiceScope }): ServiceRef<T> {
  if (!SERVICE_ID.test(options.id)) {
    throw new TypeError(`Service id "${options.id}" must be dotted lower-case, like "core.database"`);
  }
  return Object.freeze({ id: options.id, scope: options.scope ?? 'root' });
}

/** The instance types of an object of service references. */
export type ServiceInstances<Deps extends Record<string, ServiceRef<unknown>>> = {
  [K in keyof Deps]: Deps[K] extends ServiceRef<infer T> ? T : never;
};
