import module from 'node:module';

const SDK = '@assay/sdk';

let installed = false;

/**
 * Makes `@assay/sdk` (and `@assay/sdk/<subpath>`) resolve to the platform's own sdk from every module in the
 * process, wherever it lives. Third-party plugins are installed in `$ASSAY_HOME/plugins`, far from core's
 * `node_modules`, and declare the sdk as a peer dependency: without this they could not find it, and with a copy of
 * their own they would not share the platform's instances (service references, error classes).
 *
 * Uses Node's synchronous in-thread module hooks where available (Node ≥ 22.15: `import` and `require` alike), else
 * the off-thread `module.register` hooks (Node 22.12-22.14: `import` only, which is how plugins are loaded).
 * Calling it again does nothing.
 *
 * @example
 * ```ts
 * installSdkResolution();
 * const loaded = await loadPlugins({ ... });
 * ```
 */
export function installSdkResolution(): void {
  if (installed) return;
  // Resolving as if imported from this file finds the sdk core itself depends on, exports map included.
  const platformParent = import.meta.url;
  installed = true;
  if (typeof module.registerHooks !== 'function') {
    module.register(`data:text/javascript,${encodeURIComponent(offThreadHooks(platformParent))}`);
    return;
  }
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === SDK || specifier.startsWith(`${SDK}/`)) {
        return nextResolve(specifier, { ...context, parentURL: platformParent });
      }
      return nextResolve(specifier, context);
    },
  });
}

/** The same redirect as a hooks module for `module.register`, which runs hooks on a separate thread. */
function offThreadHooks(platformParent: string): string {
  return `const SDK = ${JSON.stringify(SDK)};
export async function resolve(specifier, context, nextResolve) {
  if (specifier === SDK || specifier.startsWith(SDK + '/')) {
    return nextResolve(specifier, { ...context, parentURL: ${JSON.stringify(platformParent)} });
  }
  return nextResolve(specifier, context);
}`;
}

/** The URL `@assay/sdk` resolves to for the platform; what every plugin receives once the hook is installed. */
export function platformSdkUrl(): string {
  return import.meta.resolve(SDK);
}
