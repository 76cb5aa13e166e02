// A viewer sees no action buttons and the API refuses their actions; logout; expired sessions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, sessionToken, signIn } from '../lib/act.mjs';
import { call, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { button, navLink } from '../lib/find.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

test('a viewer sees every page but no action buttons', async () => {
  const { page } = b;
  assert.equal(await page.getByTestId('role').textContent(), 'viewer');
  assert.equal(await navLink(page, 'Users & tokens').count(), 0, 'no admin link');

  await openFromNav(page, 'Jobs');
  await page.locator('[data-testid="jobs-table"] tbody tr').first().waitFor();
  assert.equal(await page.getByTestId('bulk-bar').count(), 0);
  assert.equal(await page.locator('[data-testid="jobs-table"] input[type="checkbox"]').count(), 0);
  await screenshot(page, '14-viewer-jobs');

  const id = await page.locator('[data-testid="jobs-table"] tbody tr').first().getAttribute('data-job-id');
  await page.goto(`/jobs/${id}`);
  await page.getByTestId('job-summary').waitFor();
  assert.equal(await page.getByTestId('job-actions').count(), 0);
  for (const name of ['Retry', 'Cancel', 'Discard']) assert.equal(await button(page, name).count(), 0);

  await openFromNav(page, 'Queues');
  await page.locator('[data-testid="queues-table"] tbody tr').first().waitFor();
  assert.equal(await page.locator('[data-testid="queues-table"] button').count(), 0);

  await page.goto('/admin');
  await page.getByText('Only admins manage users and tokens.').waitFor();
});

test("an action with the viewer's own token is refused by the API (403)", async () => {
  const { page } = b;
  const token = await sessionToken(page);
  const admin = await login('admin');
  const [job] = (await ok(admin, 'GET', '/api/jobs?state=discarded&limit=1')).jobs;
  const r = await call(token, 'POST', `/api/jobs/${job.id}/retry`);
  assert.equal(r.status, 403);
  assert.equal(r.body.status, 403);
  const bulk = await call(token, 'POST', '/api/jobs/actions', { action: 'retry', ids: [job.id] });
  assert.equal(bulk.status, 403);
  assert.equal((await call(token, 'POST', '/api/queues/default/pause')).status, 403);
});

test('logout returns to the login page, forgets the token and ends it on the server', async () => {
  const { page } = b;
  const token = await sessionToken(page);
  assert.equal((await call(token, 'GET', '/api/auth/me')).status, 200);
  await button(page, 'Log out').click();
  await page.waitForURL(/\/login$/);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await sessionToken(page), null);
  // Ended on the server too: a copy of the token kept elsewhere no longer works.
  assert.equal((await call(token, 'GET', '/api/auth/me')).status, 401);
  await page.goto('/jobs?state=running');
  await page.waitForURL(/\/login\?next=%2Fjobs%3Fstate%3Drunning$/);
});

test('a refused token (401) ends the session and comes back after signing in', async () => {
  const { page } = b;
  await page.evaluate(() => {
    sessionStorage.setItem('longjobs.token', 'not-a-valid-token');
    sessionStorage.setItem('longjobs.name', 'someone');
    sessionStorage.setItem('longjobs.role', 'admin');
  });
  await page.goto('/queues');
  await page.waitForURL(/\/login\?next=%2Fqueues$/);
  assert.equal(await sessionToken(page), null);
  await signIn(page, 'viewer');
  await page.waitForURL(/\/queues$/);
  await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
});

test('no errors on the page', () => noPageErrors(b.errors));
