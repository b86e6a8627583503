import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runAssay, tempHome } from './support/assay-process.ts';

const listening = (line: Record<string, unknown>) => line.msg === 'Assay is listening';

describe('assay serve with embedded defaults', () => {
  test('starts PostgreSQL under ASSAY_HOME, serves health, metrics and docs, stops cleanly, restarts on the same data', async () => {
    const home = await tempHome();
    const env = { ASSAY_HOME: home, PORT: '0', LOG_LEVEL: 'info' };

    const first = runAssay(['serve'], env, home);
    try {
      const { address } = (await first.waitForLog(listening, 90_000)) as { address: string };
      assert.ok(existsSync(join(home, 'pg', 'PG_VERSION')), 'embedded data directory under ASSAY_HOME/pg');
      assert.ok(existsSync(join(home, 'lake')), 'lake directory under ASSAY_HOME/lake');

      assert.deepEqual(await (await fetch(`${address}/healthz`)).json(), { status: 'ok' });
      // A server without pipelines points at the retail demo.
      await first.waitForLog((line) => line.hint === 'npx assay demo', 10_000);
      const ready = await fetch(`${address}/readyz`);
      assert.equal(ready.status, 200);
      const readyBody = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
      assert.deepEqual(Object.keys(readyBody.checks).sort(), ['database', 'lake']);

      const metrics = await (await fetch(`${address}/metrics`)).text();
      assert.match(metrics, /assay_http_request_duration_seconds_bucket\{.*route="\/readyz"/);
      assert.match(metrics, /process_cpu_seconds_total/);

      const docs = (await (await fetch(`${address}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
      assert.ok(docs.paths['/api/v1/plugins'], 'plugin catalog documented');
      assert.equal((await fetch(`${address}/api/docs`, { redirect: 'manual' })).status < 400, true);

      // No users and no ASSAY_ADMIN_PASSWORD: a one-time setup token on stderr creates the first admin.
      const token = await setupTokenFrom(first.stderr);
      const unauthenticated = await fetch(`${address}/api/v1/plugins`);
      assert.equal(unauthenticated.status, 401);
      const setup = (body: object) =>
        fetch(`${address}/api/v1/auth/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const admin = { token, email: 'first@example.com', name: 'First Admin', password: 'first admin password' };
      const created = await setup(admin);
      assert.equal(created.status, 200, await created.clone().text());
      const cookie = created.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const me = (await (await fetch(`${address}/api/v1/me`, { headers: { cookie } })).json()) as {
        platformAdmin: boolean;
        workspaces: Array<{ slug: string; roles: string[] }>;
      };
      assert.equal(me.platformAdmin, true);
      assert.deepEqual(
        me.workspaces.map((w) => [w.slug, w.roles]),
        [['default', ['admin']]],
      );
      assert.equal((await setup(admin)).status, 401, 'the token works once');
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0, `clean exit; stderr:\n${first.stderr.join('\n')}`);
    }
    assert.ok(first.stdout.some((line) => line.includes('"platform stopped"')));
    assert.equal(existsSync(join(home, 'pg', 'postmaster.pid')), false, 'embedded PostgreSQL stopped with the server');

    const second = runAssay(['serve'], env, home);
    try {
      await second.waitForLog(listening, 60_000);
      assert.ok(!second.stderr.join('\n').includes('setup_'), 'no setup token once an admin exists');
      assert.equal(
        second.stdout.some((line) => line.includes('"database migrated"')),
        false,
        'data was reused',
      );
    } finally {
      assert.equal(await second.stop('SIGINT'), 0);
    }
  });
});

/** The setup token `assay serve` prints to stderr after it starts listening. */
async function setupTokenFrom(stderr: string[]): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const match = /\b(setup_[A-Za-z0-9_-]{43})\b/.exec(stderr.join('\n'));
    if (match !== null) return match[1]!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no setup token on stderr:\n${stderr.join('\n')}`);
}
