// "All matching" is pinned to the dry run: the confirmation shows the count (which a viewer
// can read too, as the jobs page's "N jobs match"), and jobs that match but arrive while the
// dialog is open are not touched by the confirmed retry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { enqueue, eventually, getJob, jobsReach, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { jobRows } from '../lib/find.mjs';

const MARKER = `pinned-${Date.now().toString(36)}`;
const COUNT = 12;
let b;
let admin;
let ids;

/** Jobs that fail their first attempt for good (a retry succeeds). */
const failing = (n, from) => Array.from({ length: n }, (_, i) => ({
  queue: 'zenodo',
  kind: 'sleep',
  max_attempts: 1,
  payload: { ms: 0, fail: `${MARKER}: deposition ${from + i} locked by another upload`, fail_attempts: 1 },
}));

before(async () => {
  admin = await login('admin');
  ids = await enqueue(admin, failing(COUNT, 0));
  await jobsReach(admin, ids, 'discarded', 60_000);
  b = await open();
  await signIn(b.page, 'operator');
});
after(() => b?.close());

test('the page says how many jobs match, as GET /api/jobs/count does', async () => {
  const { page } = b;
  await page.goto(`/jobs?state=discarded&q=${MARKER}`);
  const count = await ok(admin, 'GET', `/api/jobs/count?state=discarded&q=${MARKER}`);
  assert.equal(count.count, COUNT);
  assert.equal(count.max_id, Math.max(...ids));
  await page.locator(`[data-testid="match-count"][data-count="${COUNT}"]`).waitFor();
  assert.equal(await page.getByTestId('match-count').textContent(), `${COUNT} jobs match these filters.`);
  await eventually('the rows', async () => (await jobRows(page).count()) === COUNT);
});

test('jobs arriving after the confirmation opened are left alone by "Retry all matching"', async () => {
  const { page } = b;
  await page.getByTestId('select-page').check();
  await page.getByTestId('select-all-matching').filter({ hasText: `Select all ${COUNT} jobs matching these filters` }).click();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Retry' }).click();
  const confirm = page.getByTestId('confirm-count');
  assert.equal(Number(await confirm.getAttribute('data-count')), COUNT);
  assert.match(await confirm.textContent(), new RegExp(`up to job #${Math.max(...ids)}`));

  // Three more matching jobs fail while the operator reads the dialog.
  const late = await enqueue(admin, failing(3, 100));
  await jobsReach(admin, late, 'discarded', 60_000);
  const now = await ok(admin, 'GET', `/api/jobs/count?state=discarded&q=${MARKER}`);
  assert.equal(now.count, COUNT + 3, 'the late jobs match the filter');
  await screenshot(page, '36-bulk-pinned-confirm', { fullPage: false });

  await page.getByTestId('confirm-button').click();
  await page.getByTestId('action-result').filter({ hasText: `${COUNT} changed, 0 refused (of ${COUNT} matched)` }).waitFor();
  for (const id of late) {
    const d = await getJob(admin, id);
    assert.equal(d.job.state, 'discarded', `job ${id} arrived after the count and was not retried`);
    assert.equal(d.job.attempt, 1);
  }
  await jobsReach(admin, ids, 'completed', 60_000);
  await page.locator('[data-testid="match-count"][data-count="3"]').waitFor({ timeout: 15_000 });
  await screenshot(page, '37-bulk-pinned-done');

  const audit = (await ok(admin, 'GET', '/api/audit?action=jobs.retry&limit=1')).entries[0];
  assert.equal(audit.target, `jobs matching a filter, up to job ${Math.max(...ids)}`);
});

test('no errors on the page', () => noPageErrors(b.errors));
