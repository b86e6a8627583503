import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** A dependency readiness depends on. `check` throws when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 5000;

const CheckResult = Type.Object({
  ok: Type.Boolean(),
  durationMs: Type.Number(),
  error: Type.Optional(Type.String()),
});
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready'), Type.Literal('draining')]),
  checks: Type.Record(Type.String(), CheckResult),
});

/**
 * `/healthz`: the process is alive (no dependency is checked, so a database outage never restarts the pod).
 * `/readyz`: every readiness check passes within its timeout, and the process is not shutting down.
 */
export function healthRoutes(
  app: FastifyInstance,
  options: { checks: readonly ReadinessCheck[]; isDraining: () => boolean },
): void {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['platform'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['platform'],
        summary: 'Readiness: PostgreSQL and the lake answer',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(options.checks.map(runCheck));
      const checks = Object.fromEntries(results);
      const allOk = results.every(([, result]) => result.ok);
      const status = options.isDraining() ? 'draining' : allOk ? 'ready' : 'not_ready';
      return reply.status(status === 'ready' ? 200 : 503).send({ status, checks });
    },
  );
}

async function runCheck(check: ReadinessCheck): Promise<[string, { ok: boolean; durationMs: number; error?: string }]> {
  const started = performance.now();
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref(),
      ),
    ]);
    return [check.name, { ok: true, durationMs: elapsed(started) }];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [check.name, { ok: false, durationMs: elapsed(started), error: message }];
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
