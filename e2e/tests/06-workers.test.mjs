// The worker registry shows the running worker as alive.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

test('the running worker is listed as alive with its queues', async () => {
  const { page } = b;
  await openFromNav(page, 'Workers');
  const workers = await ok(await login('admin'), 'GET', '/api/workers');
  const alive = workers.filter((w) => w.alive);
  assert.equal(alive.length, 1, 'scripts/e2e runs one worker');
  const row = page.locator(`[data-testid="workers-table"] tr[data-worker="${alive[0].id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-alive'), 'true');
  assert.equal(await row.getByTestId('worker-status').textContent(), 'alive');
  assert.match(await row.textContent(), /default × 4/);
  assert.match(await row.textContent(), /zenodo × 2/);
  assert.match(await row.textContent(), /merritt × 2/);
  assert.match(await row.textContent(), new RegExp(String(alive[0].pid)));
  await screenshot(page, '10-workers');
});

test('no errors on the page', () => noPageErrors(b.errors));
