// Periodic jobs: the Periodic page lists the daily retry with its schedule and next run as
// the API gives them; "Run now" enqueues it (the last run links to its job, which
// completes), and Pause / Resume switch it, each audited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { eventually, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { USERS } from '../lib/env.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';

const DAILY = 'zenodo.retry_errors';
let b;
let admin;

const periodic = async () => (await ok(admin, 'GET', '/api/periodic')).find((p) => p.name === DAILY);
const row = (page) => page.locator(`[data-testid="periodic-table"] tbody tr[data-periodic="${DAILY}"]`);

before(async () => {
  admin = await login('admin');
  // The worker writes the row from its settings when it starts.
  await eventually('the worker to write the daily retry', async () => Boolean(await periodic()));
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  // Leave it running for the other tests, whatever happened here.
  await ok(admin, 'POST', `/api/periodic/${DAILY}/resume`);
  await b?.close();
});

test('the page lists the daily retry with its schedule and next run', async () => {
  const { page } = b;
  await openFromNav(page, 'Periodic', 'Periodic jobs');
  const p = await periodic();
  const r = row(page);
  await r.waitFor();
  assert.equal(await r.getByTestId('periodic-schedule').textContent(), 'daily at 03:00 UTC');
  assert.equal(p.schedule_text, 'daily at 03:00 UTC');
  assert.equal(await r.getAttribute('data-paused'), 'false');
  assert.match(p.next_run_at, /T03:00:00/);
  assert.ok(await r.getByTestId('periodic-next').locator('time, span').count() > 0);
  await screenshot(page, '60-periodic');
});

test('"Run now" enqueues it; the last run links to its job, which completes', async () => {
  const { page } = b;
  await row(page).getByRole('button', { name: `Run ${DAILY} now` }).click();
  const result = page.getByTestId('periodic-result');
  await result.filter({ hasText: `${DAILY} enqueued as job #` }).waitFor();
  const jobId = Number((await result.textContent()).match(/job #(\d+)/)[1]);
  const p = await periodic();
  assert.equal(p.last_job_id, jobId);
  await eventually('the run to complete', async () => (await periodic()).last_job_state === 'completed');
  const link = row(page).getByTestId('last-job');
  await link.filter({ hasText: `job #${jobId}` }).waitFor();
  await row(page).getByTestId('periodic-last').locator('.state-completed').waitFor({ timeout: 15_000 });
  await link.click();
  await page.waitForURL(new RegExp(`/jobs/${jobId}$`));
  await page.getByText(DAILY).first().waitFor();
  await page.goBack();
  await row(page).waitFor();
});

test('Pause and Resume switch it, and both are audited', async () => {
  const { page } = b;
  await row(page).getByRole('button', { name: `Pause ${DAILY}` }).click();
  await page.locator(`[data-testid="periodic-table"] tr[data-periodic="${DAILY}"][data-paused="true"]`).waitFor();
  await row(page).getByTestId('periodic-paused').waitFor();
  assert.equal((await periodic()).paused, true);
  await screenshot(page, '61-periodic-paused');
  await row(page).getByRole('button', { name: `Resume ${DAILY}` }).click();
  await page.locator(`[data-testid="periodic-table"] tr[data-periodic="${DAILY}"][data-paused="false"]`).waitFor();
  assert.equal((await periodic()).paused, false);
  const audit = await ok(admin, 'GET', '/api/audit?limit=50');
  for (const action of ['periodic.run', 'periodic.pause', 'periodic.resume']) {
    assert.ok(audit.entries.some((e) => e.action === action && e.target === `periodic ${DAILY}` && e.actor === USERS.operator.username), `${action} audited`);
  }
});

test('no errors on the page', () => noPageErrors(b.errors));
