// Pausing and resuming a queue.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { queueRow } from '../lib/find.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'operator');
});
after(() => b?.close());

const queueInfo = async (name) => (await ok(await login('admin'), 'GET', '/api/queues')).find((q) => q.name === name);

test('an operator pauses a queue: the badge shows who paused it and the API agrees', async () => {
  const { page } = b;
  await openFromNav(page, 'Queues');
  const row = queueRow(page, 'reports');
  await row.getByRole('button', { name: 'Pause queue reports' }).click();
  await page.locator('[data-testid="queues-table"] tr[data-queue="reports"][data-paused="true"]').waitFor();
  await row.getByTestId('paused-badge').waitFor();
  await row.getByText('by olivia.operator').waitFor();
  const q = await queueInfo('reports');
  assert.equal(q.paused, true);
  assert.equal(q.paused_by, 'olivia.operator');
  await screenshot(page, '08-queues-paused');
});

test('resuming it clears the badge', async () => {
  const { page } = b;
  await queueRow(page, 'reports').getByRole('button', { name: 'Resume queue reports' }).click();
  await page.locator('[data-testid="queues-table"] tr[data-queue="reports"][data-paused="false"]').waitFor();
  assert.equal((await queueInfo('reports')).paused, false);
  await screenshot(page, '09-queues');
});

test('no errors on the page', () => noPageErrors(b.errors));
