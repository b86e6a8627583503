import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestOidcProvider, type TestOidcProvider } from '@assay/core/test-oidc-provider';
import { launchBrowser, type Browser } from './browser.ts';
import { assertPortalBuilt, createAdmin, startPortalServer, type PortalServer } from './portal-server.ts';

let provider: TestOidcProvider;
let server: PortalServer;
let browser: Browser;

/** A port nothing listens on now, so the redirect URI can be registered at the IdP before Assay starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

before(async () => {
  assertPortalBuilt();
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`;
  provider = await startTestOidcProvider({
    redirectUri,
    accounts: [{ id: 'ann', email: 'ann@idp.test', name: 'Ann', groups: [] }],
  });
  server = await startPortalServer({
    port,
    config: {
      auth: {
        oidc: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          redirectUri,
        },
      },
    },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.close();
});

test('with OIDC configured the sign-in page offers single sign-on: the IdP signs the user in and returns them', async () => {
  const { page } = browser;
  // Setup comes first on a new installation; the test only needs the sign-in page, so it creates the admin by API.
  await createAdmin(server, { email: 'a@sso.test', name: 'A', password: 'sso admin password' });
  await page.goto(`${server.address}/login?returnTo=%2Fprofile`);
  const sso = page.getByRole('link', { name: 'Sign in with single sign-on' });
  await sso.waitFor();
  assert.equal(await sso.getAttribute('href'), '/api/v1/auth/oidc/login?returnTo=%2Fprofile');
  await browser.screenshot('11-login-with-sso');
  await sso.click();
  await page.waitForURL((u) => u.origin === new URL(provider.issuer).origin);
  await page.getByLabel('Account').selectOption('ann');
  await browser.screenshot('12-idp-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back on Assay, on the page the user asked for, signed in as the IdP's account.
  await page.waitForURL(`${server.address}/profile`);
  await page.locator('.who', { hasText: 'Ann' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal((me as { user: { email: string } }).user.email, 'ann@idp.test');
  await browser.screenshot('13-signed-in-through-sso');
});
