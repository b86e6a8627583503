import type { Lifecycle, Logger } from '@assay/sdk';

/** Collects shutdown hooks from core and plugins and runs them once, newest first, each isolated from the others. */
export class ShutdownHooks {
  readonly #hooks: Array<{ owner: string; hook: () => Promise<void> | void }> = [];

  /** The `Lifecycle` service handed to one owner (core or a plugin id). */
  forOwner(owner: string): Lifecycle {
    return { onShutdown: (hook) => void this.#hooks.push({ owner, hook }) };
  }

  async run(logger: Logger): Promise<void> {
    for (const { owner, hook } of this.#hooks.splice(0).reverse()) {
      try {
        await hook();
      } catch (error) {
        logger.error({ err: error, owner }, 'shutdown hook failed');
      }
    }
  }
}
