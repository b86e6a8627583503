/**
 * An API call that failed: the server's stable `code` and its `message` (which says what to do), or a code of the
 * portal's own when no JSON error came back (the network, a proxy page).
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** Any thrown value as an ApiError, so every error state can show a code and a message. */
  static from(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof TypeError) {
      return new ApiError('NETWORK_ERROR', `The server could not be reached (${error.message}); try again`, 0);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ApiError('PORTAL_ERROR', message, 0);
  }
}

/** The `{ error: { code, message } }` body of every API error, or undefined for anything else. */
export function errorOf(
  body: unknown,
): { code: string; message: string; details?: Record<string, unknown> } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return {
    code,
    message,
    ...(typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {}),
  };
}
