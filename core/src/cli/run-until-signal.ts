import type { Platform } from '../platform/platform.ts';

/**
 * Keeps a platform running until SIGINT or SIGTERM, then shuts it down gracefully. A second signal during
 * shutdown exits at once (jobs still running are released by the queue's expiry and retried elsewhere).
 */
export async function runUntilSignal(platform: Platform): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        platform.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      stopping = true;
      platform.logger.info({ signal }, 'shutting down: draining HTTP and in-flight jobs');
      platform.close().then(
        () => resolve(0),
        (error: unknown) => {
          platform.logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
