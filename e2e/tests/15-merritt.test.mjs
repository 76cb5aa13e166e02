// The Merritt queue: the status block and the submissions (state history, host) match the
// API; "Restart held submissions" requeues an interrupted submission and "Resend checked"
// an errored one — each confirmed — and both complete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import {
  eventually, login, ok, submissions, submissionsReach, submitToMerritt,
} from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { dialog, submissionRow } from '../lib/find.mjs';
import { clearFaults, setFaults, sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
let b;
let admin;
let errored;
let interrupted;

before(async () => {
  admin = await login('admin');
  const operator = await login('operator');
  const files = [await sourceFile('specimens.csv', 10_000, 61)];
  // Merritt refuses the deposit (a 4xx): the submission errors at once.
  await setFaults({ routes: { 'merritt.update': { error_rate: 1, status: 400 } } });
  errored = (await submitToMerritt(admin, { identifier: `doi:10.5061/dryad.merr${RUN}e`, resourceId: 9501, files })).id;
  await submissionsReach(admin, [errored], 'errored', 30_000);
  await clearFaults();
  // With the queue paused the submission's job cannot start; cancelling it leaves the
  // submission enqueued with no live job: interrupted, as a killed web server left them.
  await ok(operator, 'POST', '/api/queues/merritt/pause');
  try {
    const sub = await submitToMerritt(admin, { identifier: `doi:10.5061/dryad.merr${RUN}i`, resourceId: 9502, files });
    interrupted = sub.id;
    await ok(operator, 'POST', `/api/jobs/${sub.job_id}/cancel`);
  } finally {
    await ok(operator, 'POST', '/api/queues/merritt/resume');
  }
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  await clearFaults();
  await b?.close();
});

test('the status block and the table match the API, with each state\'s host', async () => {
  const { page } = b;
  await openFromNav(page, 'Merritt', 'Merritt queue');
  const status = await ok(admin, 'GET', '/api/merritt/status');
  const block = page.getByTestId('merritt-status');
  await block.waitFor();
  assert.equal(await block.getAttribute('data-held'), 'false');
  const card = (label) => block.locator('.stat-card', { hasText: label }).locator('.stat-value');
  await eventually('the counts to match', async () =>
    Number(await card('Completed 24 h').textContent()) === status.completed_last_24h &&
    Number(await card('Errored').textContent()) === status.errored &&
    Number(await card('Enqueued').textContent()) === status.enqueued);
  assert.ok(status.completed_last_24h >= 4, 'the seeded submissions completed');
  assert.equal(status.errored, 1);

  const list = (await ok(admin, 'GET', '/api/merritt/submissions?limit=200')).submissions;
  const done = list.find((s) => s.state === 'completed');
  const row = submissionRow(page, done.id);
  await row.waitFor();
  assert.equal(await row.getByTestId('submission-host').textContent(), done.host);
  const history = row.getByTestId('submission-history');
  assert.equal(Number(await history.getAttribute('data-states')), done.history.length);
  assert.match(await history.locator('summary').textContent(), /enqueued → processing → .*completed/);
  await history.locator('summary').click();
  assert.equal(await history.locator('li').count(), done.history.length);
  await history.locator('li').first().getByText(done.history[0].host).waitFor();
  assert.equal(await submissionRow(page, errored).getAttribute('data-state'), 'errored');
  const error = page.locator(`[data-testid="submissions-table"] tr[data-error-for="${errored}"]`);
  assert.match(await error.textContent(), /answered 400/);
  assert.equal(await row.getByTestId('submission-ark').textContent(), done.ark);
  await screenshot(page, '33-merritt');
});

test('"Restart held submissions", confirmed, requeues the interrupted one and it completes', async () => {
  const { page } = b;
  assert.equal(await submissionRow(page, interrupted).getAttribute('data-state'), 'enqueued');
  await page.getByTestId('merritt-actions').getByRole('button', { name: 'Restart held submissions' }).click();
  await dialog(page).getByRole('heading', { name: 'Restart held submissions?' }).waitFor();
  await screenshot(page, '34-merritt-restart-confirm', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('merritt-result').filter({ hasText: `#${interrupted}` }).waitFor();
  assert.doesNotMatch(await page.getByTestId('merritt-result').textContent(), new RegExp(`#${errored}\\b`), 'restart leaves errored submissions alone');
  await submissionsReach(admin, [interrupted], 'completed');
  await page.locator(`[data-testid="submissions-table"] tr[data-submission-id="${interrupted}"][data-state="completed"]`).waitFor({ timeout: 30_000 });
});

test('"Resend checked", confirmed, sends the errored submission again and it completes', async () => {
  const { page } = b;
  await page.getByLabel(`Check submission ${errored}`).check();
  await page.getByTestId('checked-count').filter({ hasText: '1 submission checked' }).waitFor();
  await page.getByTestId('merritt-actions').getByRole('button', { name: 'Resend checked' }).click();
  await dialog(page).getByRole('heading', { name: 'Resend 1 submission?' }).waitFor();
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('merritt-result').filter({ hasText: `1 submission back in the work queue (#${errored})` }).waitFor();
  await submissionsReach(admin, [errored], 'completed');
  const [sub] = await submissions(admin, [errored]);
  const states = sub.history.map((h) => h.state);
  assert.ok(states.indexOf('errored') < states.lastIndexOf('completed'), `history ${states.join(' → ')}`);
  await page.locator(`[data-testid="submissions-table"] tr[data-submission-id="${errored}"][data-state="completed"]`).waitFor({ timeout: 30_000 });
  await screenshot(page, '35-merritt-resent');
});

test('the state filter lives in the URL', async () => {
  const { page } = b;
  await page.getByRole('group', { name: 'State' }).getByLabel('completed', { exact: true }).check();
  await page.waitForURL(/\/merritt\?state=completed$/);
  await eventually('only completed rows', async () => {
    const states = await page.locator('[data-testid="submissions-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.state));
    return states.length > 0 && states.every((s) => s === 'completed');
  });
});

test('no errors on the page', () => noPageErrors(b.errors));
