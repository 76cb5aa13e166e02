// "Reset stalled": a copy shown as enqueued whose job is gone (cancelled behind its back) is
// moved to error by the console's confirmed action, and then resent until it finishes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { copiesReach, getCopy, getJob, login, ok, requestCopy } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { copyRow, dialog } from '../lib/find.mjs';
import { sourceFile } from '../lib/sim.mjs';

const IDENT = `doi:10.5061/dryad.stall${Date.now().toString(36)}`;
let b;
let admin;
let id;
let job;

before(async () => {
  admin = await login('admin');
  const operator = await login('operator');
  // With the queue paused the copy's job cannot start; cancelling it leaves the copy
  // "enqueued" with no live job — stalled, as a job row deleted by hand used to leave it.
  await ok(operator, 'POST', '/api/queues/zenodo/pause');
  try {
    const files = [await sourceFile('soil-cores.csv', 15_000, 41)];
    const copy = await requestCopy(admin, { identifier: IDENT, resourceId: 9301, files });
    id = copy.id;
    job = copy.job_id;
    await ok(operator, 'POST', `/api/jobs/${job}/cancel`);
  } finally {
    await ok(operator, 'POST', '/api/queues/zenodo/resume');
  }
  assert.equal((await getJob(admin, job)).job.state, 'cancelled');
  assert.equal((await getCopy(admin, id)).copy.state, 'enqueued');
  b = await open();
  await signIn(b.page, 'operator');
});
after(() => b?.close());

test('"Reset stalled", confirmed, moves the stalled copy to error and says which', async () => {
  const { page } = b;
  await page.goto(`/zenodo?identifier=${encodeURIComponent(IDENT)}`);
  await copyRow(page, id).waitFor();
  assert.equal(await copyRow(page, id).getAttribute('data-state'), 'enqueued');
  await page.getByTestId('reset-stalled').click();
  await dialog(page).getByRole('heading', { name: 'Reset stalled copies?' }).waitFor();
  await screenshot(page, '25-zenodo-reset-confirm', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('zenodo-result').filter({ hasText: `1 copy moved to error (#${id})` }).waitFor();
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${id}"][data-state="error"]`).waitFor();
  const copy = (await getCopy(admin, id)).copy;
  assert.equal(copy.state, 'error');
  assert.equal(copy.note, `reset by olivia.operator: job #${job} is cancelled`);
  await screenshot(page, '26-zenodo-reset-done');
});

test('the reset copy is resent and finishes', async () => {
  const { page } = b;
  await page.getByRole('button', { name: `Resend copy ${id}` }).click();
  await page.locator(`tr[data-outcome-for="${id}"] [data-outcome="requeued"]`).waitFor();
  await copiesReach(admin, [id], 'finished');
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${id}"][data-state="finished"]`).waitFor({ timeout: 30_000 });
});

test('the audit log records the reset', async () => {
  const entries = (await ok(admin, 'GET', '/api/audit?action=zenodo.reset_stalled&limit=5')).entries;
  assert.equal(entries[0].actor, 'olivia.operator');
  assert.match(entries[0].outcome, new RegExp(`\\b${id}\\b`));
});

test('no errors on the page', () => noPageErrors(b.errors));
