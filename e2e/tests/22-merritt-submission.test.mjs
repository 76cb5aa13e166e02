// A Merritt submission's page: the list links to it; it shows the summary, the state
// history and the request log (the deposit's POST and its answer, the checker's lookups);
// "Give up" asks for a reason and ends a waiting submission, which the list then shows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { login, ok, submissionsReach, submitToMerritt } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { dialog, submissionRow } from '../lib/find.mjs';
import { sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
let b;
let admin;
let completed;
let waiting;

before(async () => {
  admin = await login('admin');
  const operator = await login('operator');
  const files = [await sourceFile('plates.csv', 8_000, 71)];
  completed = (await submitToMerritt(admin, { identifier: `doi:10.5061/dryad.sub${RUN}c`, resourceId: 9601, files })).id;
  await submissionsReach(admin, [completed], 'completed');
  // With the queue paused the submission waits: it can be given up.
  await ok(operator, 'POST', '/api/queues/merritt/pause');
  waiting = (await submitToMerritt(admin, { identifier: `doi:10.5061/dryad.sub${RUN}w`, resourceId: 9602, files })).id;
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  const operator = await login('operator');
  await ok(operator, 'POST', '/api/queues/merritt/resume');
  await b?.close();
});

test('the list links to a submission\'s page with its history and request log', async () => {
  const { page } = b;
  await openFromNav(page, 'Merritt', 'Merritt queue');
  await submissionRow(page, completed).getByTestId('submission-link').click();
  await page.waitForURL(new RegExp(`/merritt/submissions/${completed}$`));
  await page.getByRole('heading', { name: `Submission #${completed}` }).waitFor();
  const state = page.getByTestId('submission-state');
  assert.equal(await state.getAttribute('data-state'), 'completed');
  const sub = await ok(admin, 'GET', `/api/merritt/submissions/${completed}`);
  assert.equal(await page.getByTestId('submission-history-list').locator('li').count(), sub.history.length);
  await page.getByText(sub.ark).first().waitFor();
  const log = await ok(admin, 'GET', `/api/merritt/submissions/${completed}/log`);
  const lines = page.getByTestId('submission-log').locator('li');
  assert.equal(await lines.count(), log.length);
  assert.ok(log.some((l) => l.kind === 'REQUEST' && l.method === 'POST'), 'the deposit is logged');
  await page.getByTestId('submission-log').locator('li[data-kind="RESPONSE"]', { hasText: 'POST' }).first().getByText(/200 · \d+ ms/).waitFor();
  await page.getByTestId('submission-log').getByText(/local_id_search\?terms=/).first().waitFor();
  assert.equal(await page.getByTestId('submission-actions').count(), 0, 'a completed submission cannot be given up');
  await screenshot(page, '62-merritt-submission');
});

test('"Give up" asks for a reason, ends the waiting submission, and the list shows it', async () => {
  const { page } = b;
  await page.goto(page.url().replace(/\/merritt\/submissions\/\d+$/, `/merritt/submissions/${waiting}`));
  await page.getByRole('heading', { name: `Submission #${waiting}` }).waitFor();
  await page.getByTestId('submission-actions').getByRole('button', { name: 'Give up' }).click();
  await dialog(page).getByRole('heading', { name: `Give up on submission #${waiting}?` }).waitFor();
  // No reason: the API's refusal shows in the dialog, which stays open.
  await page.getByTestId('confirm-button').click();
  await dialog(page).getByRole('alert').filter({ hasText: /reason/ }).waitFor();
  await page.getByTestId('give-up-reason').fill('the dataset was withdrawn by its authors');
  await screenshot(page, '63-merritt-give-up', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.locator('[data-testid="submission-state"][data-state="given_up"]').waitFor();
  assert.equal(await dialog(page).count(), 0);
  await page.getByTestId('submission-history-list').getByText('the dataset was withdrawn by its authors').waitFor();
  const sub = await ok(admin, 'GET', `/api/merritt/submissions/${waiting}`);
  assert.equal(sub.state, 'given_up');
  const job = await ok(admin, 'GET', `/api/jobs/${sub.job_id}`);
  assert.equal(job.job.state, 'cancelled');
  const audit = await ok(admin, 'GET', '/api/audit?limit=50');
  assert.ok(audit.entries.some((e) => e.action === 'merritt.give_up' && e.target === `submission ${waiting}`));
  await page.getByRole('link', { name: 'Merritt queue' }).click();
  await page.locator(`[data-testid="submissions-table"] tr[data-submission-id="${waiting}"][data-state="given_up"]`).waitFor();
});

test('no errors on the page', () => noPageErrors(b.errors));
