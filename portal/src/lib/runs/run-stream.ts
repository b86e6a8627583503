import { ApiError } from '$lib/api/api-error';
import type { RunEvent } from './run-types.ts';

const EVENTS: readonly RunEvent['type'][] = ['run', 'job', 'progress', 'log', 'end'];

/** What {@link followRun} reports. */
export interface StreamHandlers {
  /** The stream (re)connected: the server replays the run from its start, so rebuild from scratch. */
  opened(): void;
  event(event: RunEvent): void;
  /** The browser lost the stream and tries again by itself. */
  reconnecting(): void;
  /** The stream is over without an `end`: the server's `error` event, or a connection the browser gave up. */
  failed(error: ApiError): void;
}

/**
 * Follows `GET …/runs/{id}/events` with an EventSource (same-origin cookie). Closes it on `end`, since the server
 * closes after it and the browser would otherwise reconnect and replay the finished run. Returns a stop function.
 */
export function followRun(ws: string, id: string, handlers: StreamHandlers): () => void {
  const source = new EventSource(`/api/v1/workspaces/${encodeURIComponent(ws)}/runs/${encodeURIComponent(id)}/events`);
  source.addEventListener('open', () => handlers.opened());
  for (const type of EVENTS) {
    source.addEventListener(type, (message) => {
      const data: unknown = JSON.parse(message.data);
      handlers.event({ type, data } as RunEvent);
      if (type === 'end') source.close();
    });
  }
  // The name `error` is both the server's event (a MessageEvent with data) and the connection's own failure.
  source.addEventListener('error', (event) => {
    if (event instanceof MessageEvent && typeof event.data === 'string') {
      source.close();
      handlers.failed(streamError(event.data));
    } else if (source.readyState === EventSource.CLOSED) {
      handlers.failed(new ApiError('STREAM_CLOSED', 'The live view of the run could not connect; try again', 0));
    } else {
      handlers.reconnecting();
    }
  });
  return () => source.close();
}

function streamError(data: string): ApiError {
  try {
    const { code, message } = JSON.parse(data) as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && typeof message === 'string') return new ApiError(code, message, 0);
  } catch {
    // Not JSON: reported below with what came.
  }
  return new ApiError('STREAM_ERROR', `The run's event stream failed: ${data.slice(0, 200)}`, 0);
}
