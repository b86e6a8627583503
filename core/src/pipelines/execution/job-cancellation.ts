import { OperationalError, UserError, type AssayError, type OperatorResult } from '@assay/sdk';

/**
 * The error a job ends with once its signal is aborted: `JOB_TIMEOUT` (operational, so the queue may retry) when the
 * signal timed out (`AbortSignal.timeout`), otherwise `JOB_CANCELLED` (not retried). What the operator threw while
 * being interrupted (usually `QUERY_CANCELLED`) is kept as the cause.
 */
export function cancellationError(signal: AbortSignal, where: string, cause?: unknown): AssayError {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new OperationalError(`${where} exceeded its time limit and was stopped; nothing more was committed`, {
      code: 'JOB_TIMEOUT',
      cause: cause ?? reason,
    });
  }
  return new UserError(`${where} was cancelled; nothing more was committed`, {
    code: 'JOB_CANCELLED',
    cause: cause ?? reason,
  });
}

/** Throws the cancellation error when the signal is aborted: checked before every step that commits. */
export function throwIfCancelled(signal: AbortSignal, where: string): void {
  if (signal.aborted) throw cancellationError(signal, where);
}

/** How long an operator gets to stop after its signal is aborted before the job is given up as cancelled. */
const CANCEL_GRACE_MS = 2_000;

/**
 * Runs the operator; once the signal is aborted it has {@link CANCEL_GRACE_MS} to stop (its engine statements are
 * interrupted at once) before the job is given up anyway. Its output is closed then, so it cannot commit later.
 */
export function untilCancelled(
  work: () => Promise<OperatorResult>,
  signal: AbortSignal,
  where: string,
): Promise<OperatorResult | undefined> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(cancellationError(signal, where)), CANCEL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void Promise.resolve()
      .then(work)
      .then(resolve, reject)
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      });
  });
}
