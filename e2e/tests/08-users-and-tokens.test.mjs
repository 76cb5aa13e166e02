// Admin: a new user, and a new API token whose secret is shown once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { call, eventually, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { button } from '../lib/find.mjs';

let b;
let secret;
before(async () => {
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

test('the admin creates a token and sees its secret once', async () => {
  const { page } = b;
  await openFromNav(page, 'Users & tokens');
  await page.getByLabel('Name (what it is for)').fill('nightly-report');
  await page.getByLabel('Role', { exact: true }).last().selectOption('viewer');
  await button(page, 'Create token').click();
  const shown = page.getByTestId('token-secret');
  await shown.waitFor();
  secret = (await shown.textContent()).trim();
  assert.match(secret, /^lj_/);
  await page.locator('[data-testid="tokens-table"] tr[data-token="nightly-report"]').waitFor();
  await screenshot(page, '12-token-created');

  const me = await call(secret, 'GET', '/api/auth/me');
  assert.equal(me.status, 200);
  assert.deepEqual(me.body, { name: 'token:nightly-report', role: 'viewer' });
});

test('once dismissed, the secret is nowhere on the page, even after a reload', async () => {
  const { page } = b;
  await page.getByTestId('token-secret-done').click();
  await page.getByTestId('token-secret-box').waitFor({ state: 'detached' });
  assert.equal((await page.content()).includes(secret), false);
  await page.reload();
  await page.locator('[data-testid="tokens-table"] tr[data-token="nightly-report"]').waitFor();
  assert.equal((await page.content()).includes(secret), false);
});

test('revoking the token, confirmed, refuses it from then on', async () => {
  const { page } = b;
  await page.getByRole('button', { name: 'Revoke token nightly-report' }).click();
  await page.getByTestId('confirm-button').click();
  await page.locator('[data-testid="tokens-table"] tr[data-token="nightly-report"]').getByText('revoked').waitFor();
  assert.equal((await call(secret, 'GET', '/api/auth/me')).status, 401);
});

test('the admin creates a user who can then sign in', async () => {
  const { page } = b;
  await page.getByLabel('Username').fill('ursula.new');
  await page.getByLabel('Password (12+ characters)').fill('a-long-password-for-ursula');
  await page.locator('#new-role').selectOption('operator');
  await button(page, 'Create user').click();
  await page.locator('[data-testid="users-table"] tr[data-user="ursula.new"]').waitFor();
  const r = await call(null, 'POST', '/api/auth/login', { username: 'ursula.new', password: 'a-long-password-for-ursula' });
  assert.equal(r.status, 200);
  assert.equal(r.body.role, 'operator');
  await screenshot(page, '13-users-and-tokens');
});

test('disabling a user stops their sign-in; their role changes; deleting them is confirmed', async () => {
  const { page } = b;
  const row = () => page.locator('[data-testid="users-table"] tr[data-user="ursula.new"]');
  const signIn = () => call(null, 'POST', '/api/auth/login', { username: 'ursula.new', password: 'a-long-password-for-ursula' });

  await row().getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('dialog').getByRole('heading', { name: 'Disable user ursula.new?' }).waitFor();
  await page.getByTestId('confirm-button').click();
  await row().getByText('disabled', { exact: true }).waitFor();
  assert.equal((await signIn()).status, 401);

  await row().getByRole('button', { name: 'Enable' }).click();
  await page.getByTestId('confirm-button').click();
  await row().getByText('active', { exact: true }).waitFor();

  await row().getByLabel('Role of ursula.new').selectOption('viewer');
  await eventually('the new role', async () => {
    const users = await ok(await login('admin'), 'GET', '/api/users');
    return users.find((u) => u.username === 'ursula.new')?.role === 'viewer';
  });
  const r = await signIn();
  assert.equal(r.status, 200);
  assert.equal(r.body.role, 'viewer');

  await page.getByRole('button', { name: 'Delete user ursula.new' }).click();
  await page.getByTestId('confirm-button').click();
  await row().waitFor({ state: 'detached' });
  assert.equal((await signIn()).status, 401);
});

test('no errors on the page', () => noPageErrors(b.errors));
