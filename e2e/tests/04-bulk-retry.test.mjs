// Bulk retry of "all matching": more jobs than a page, counted by a dry run and confirmed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { enqueue, eventually, jobsReach, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { button, jobRows, stateFilter } from '../lib/find.mjs';

const MARKER = `mirror-${Date.now().toString(36)}`;
const COUNT = 55; // more than one page of 50
let b;
let ids;

before(async () => {
  const admin = await login('admin');
  ids = await enqueue(admin, Array.from({ length: COUNT }, (_, i) => ({
    queue: 'zenodo',
    kind: 'sleep',
    payload: { ms: 0, fail: `${MARKER}: checksum mismatch on file ${i}`, discard: true, fail_attempts: 1 },
  })));
  await jobsReach(admin, ids, 'discarded', 90_000);
  b = await open();
  await signIn(b.page, 'operator');
});
after(() => b?.close());

test('selecting the page, then "all matching", and Retry confirms the dry run\'s count', async () => {
  const { page } = b;
  await page.goto('/jobs');
  await stateFilter(page, 'discarded').check();
  await page.getByLabel('Text in payload or error').fill(MARKER);
  await page.getByLabel('Text in payload or error').press('Enter');
  await page.waitForURL(new RegExp(`q=${MARKER}`));
  await eventually('a full first page', async () => (await jobRows(page).count()) === 50);

  await page.getByTestId('select-page').check();
  await page.getByTestId('selection-count').filter({ hasText: '50 jobs selected' }).waitFor();
  await page.getByTestId('select-all-matching').click();
  await page.getByTestId('selection-count').filter({ hasText: 'All matching jobs selected' }).waitFor();

  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Retry' }).click();
  const count = Number(await page.getByTestId('confirm-count').getAttribute('data-count'));
  const admin = await login('admin');
  const dry = await ok(admin, 'POST', '/api/jobs/actions', {
    action: 'retry', dry_run: true, filter: { states: ['discarded'], text: MARKER },
  });
  assert.equal(count, dry.matched, 'the dialog shows the dry run\'s count');
  assert.equal(count, COUNT);
  await page.getByRole('dialog').getByRole('heading', { name: `Retry ${COUNT} matching jobs?` }).waitFor();
  await screenshot(page, '06-bulk-confirm', { fullPage: false });

  await page.getByTestId('confirm-button').click();
  await page.getByTestId('action-result').filter({ hasText: `${COUNT} changed, 0 refused` }).waitFor();
  await screenshot(page, '07-bulk-done');
});

test('every retried job completes', async () => {
  const admin = await login('admin');
  await eventually('all retried jobs to complete', async () => {
    const page = await ok(admin, 'GET', `/api/jobs?q=${MARKER}&state=completed&limit=500`);
    return page.jobs.length === COUNT;
  }, { timeout: 90_000 });
});

test('selected rows (not all matching) survive the refresh and act on exactly those ids', async () => {
  const { page } = b;
  const admin = await login('admin');
  const extra = await enqueue(admin, [1, 2].map((n) => ({
    queue: 'reports', kind: 'build_usage_report', run_at: new Date(Date.now() + 7200_000).toISOString(), payload: { ark: `ark:/13030/m5bulk${n}` },
  })));
  await page.goto('/jobs?queue=reports&state=scheduled');
  for (const id of extra) await page.getByLabel(`Select job ${id}`).check();
  // The list refreshes when jobs change (here: a job enqueued elsewhere); the selection stays.
  const refreshed = page.waitForResponse((r) => r.url().includes('/api/jobs?'), { timeout: 10_000 });
  await enqueue(admin, [{ queue: 'default', kind: 'noop' }]);
  const before = await refreshed;
  assert.equal(before.status(), 200);
  await page.waitForTimeout(300);
  for (const id of extra) assert.ok(await page.getByLabel(`Select job ${id}`).isChecked());
  await page.getByTestId('selection-count').filter({ hasText: '2 jobs selected' }).waitFor();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(Number(await page.getByTestId('confirm-count').getAttribute('data-count')), 2);
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('action-result').filter({ hasText: '2 changed' }).waitFor();
  await jobsReach(admin, extra, 'cancelled');
});

test('no errors on the page', () => noPageErrors(b.errors));
