// A viewer reads the Zenodo, Merritt and maintenance pages (and the jobs count) but sees no
// action there, and the API refuses the actions with the viewer's own token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, sessionToken, signIn } from '../lib/act.mjs';
import { call, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { button } from '../lib/find.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

test('the Zenodo pages show copies but no Resend, Reset stalled, chain or checkboxes', async () => {
  const { page } = b;
  await openFromNav(page, 'Zenodo', 'Zenodo copies');
  const rows = page.locator('[data-testid="copies-table"] tbody tr[data-copy-id]');
  await rows.first().waitFor();
  assert.equal(await page.getByTestId('reset-stalled').count(), 0);
  assert.equal(await page.getByTestId('copies-bulk-bar').count(), 0);
  assert.equal(await page.locator('[data-testid="copies-table"] input[type="checkbox"]').count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Resend/ }).count(), 0);
  await screenshot(page, '38-viewer-zenodo');

  const identifier = await rows.first().locator('td').nth(1).textContent();
  await rows.first().getByRole('link', { name: identifier }).click();
  await page.getByTestId('identifier-bar').waitFor();
  assert.equal(await page.getByTestId('resend-chain').count(), 0);

  const id = await rows.first().getAttribute('data-copy-id');
  await page.goto(`/zenodo/copies/${id}`);
  await page.getByTestId('copy-log').waitFor();
  assert.equal(await page.getByTestId('copy-actions').count(), 0);
});

test('the Merritt and maintenance pages show their status but no actions', async () => {
  const { page } = b;
  await openFromNav(page, 'Merritt', 'Merritt queue');
  await page.getByTestId('merritt-status').waitFor();
  await page.locator('[data-testid="submissions-table"] tbody tr').first().waitFor();
  assert.equal(await page.getByTestId('merritt-actions').count(), 0);
  assert.equal(await page.locator('[data-testid="submissions-table"] input[type="checkbox"]').count(), 0);

  await openFromNav(page, 'Maintenance');
  await page.getByTestId('drain-state').waitFor();
  await page.getByTestId('maintenance-counts').waitFor();
  assert.equal(await page.getByTestId('maintenance-actions').count(), 0);
  for (const name of ['Drain', 'Restart']) assert.equal(await button(page, name).count(), 0);
  await screenshot(page, '39-viewer-maintenance');

  await openFromNav(page, 'Jobs');
  await page.locator('[data-testid="match-count"][data-count]').waitFor();
});

test("the API refuses the viewer's replication and maintenance actions (403)", async () => {
  const { page } = b;
  const token = await sessionToken(page);
  const admin = await login('admin');
  const [copy] = (await ok(admin, 'GET', '/api/zenodo/copies?limit=1')).copies;
  const [sub] = (await ok(admin, 'GET', '/api/merritt/submissions?limit=1')).submissions;
  for (const [method, path, body] of [
    ['POST', `/api/zenodo/copies/${copy.id}/resend`],
    ['POST', '/api/zenodo/copies/resend', { ids: [copy.id] }],
    ['POST', '/api/zenodo/chains/resend', { identifier: copy.identifier }],
    ['POST', '/api/zenodo/reset-stalled'],
    ['POST', '/api/merritt/submissions/restart'],
    ['POST', '/api/merritt/submissions/resend', { ids: [sub.id] }],
    ['POST', '/api/maintenance/drain', {}],
    ['POST', '/api/maintenance/restart'],
  ]) {
    const r = await call(token, method, path, body);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.body.status, 403);
  }
  assert.equal((await call(token, 'GET', '/api/jobs/count?state=completed')).status, 200);
  assert.equal((await ok(admin, 'GET', '/api/maintenance')).zenodo_deferred, null, 'nothing was drained');
});

test('no errors on the page', () => noPageErrors(b.errors));
