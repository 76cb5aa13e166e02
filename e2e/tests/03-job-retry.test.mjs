// One failed job: its page, its error history, Retry until it completes, then every action
// disabled with its reason (and refused by the API).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { call, enqueue, getJob, jobsReach, login } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { button, dialog, jobRow, stateFilter } from '../lib/find.mjs';

let b;
let id;
before(async () => {
  const admin = await login('admin');
  // Fails its first attempt for good (one attempt allowed); a retry succeeds.
  [id] = await enqueue(admin, [{
    queue: 'zenodo',
    kind: 'sleep',
    max_attempts: 1,
    payload: { ms: 10, fail: 'Zenodo deposit 88231 refused: 502 Bad Gateway', fail_attempts: 1 },
  }]);
  await jobsReach(admin, [id], 'discarded');
  b = await open();
  await signIn(b.page, 'operator');
});
after(() => b?.close());

test('the failed job is found in the list and its page shows the error history', async () => {
  const { page } = b;
  await page.goto('/jobs');
  await stateFilter(page, 'discarded').check();
  await jobRow(page, id).getByRole('link', { name: `#${id}` }).click();
  await page.waitForURL(`**/jobs/${id}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`Job #${id}`) }).waitFor();
  assert.equal(await page.getByTestId('job-state').getAttribute('data-state'), 'discarded');
  const history = page.getByTestId('job-history');
  await history.getByText('Zenodo deposit 88231 refused: 502 Bad Gateway').waitFor();
  assert.equal(await history.locator('li[data-kind="error"]').count(), 1);
  assert.match(await page.getByTestId('job-payload').textContent(), /"fail_attempts": 1/);
  await screenshot(page, '04-job-discarded');
});

test('Retry, confirmed, runs the job again and the page shows it completed', async () => {
  const { page } = b;
  await button(page, 'Retry').click();
  await dialog(page).getByRole('heading', { name: `Retry job #${id}?` }).waitFor();
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('job-action-done').waitFor();
  await page.locator('[data-testid="job-state"][data-state="completed"]').waitFor({ timeout: 30_000 });
  const admin = await login('admin');
  const detail = await getJob(admin, id);
  assert.equal(detail.job.state, 'completed');
  assert.equal(detail.job.attempt, 2);
  await page.getByTestId('job-history').locator('li[data-kind="operator"]').first().waitFor();
  await screenshot(page, '05-job-completed');
});

test('on the completed job every action is disabled and its reason is written out', async () => {
  const { page } = b;
  const reasons = page.getByTestId('job-action-reasons');
  for (const [name, slug] of [['Retry', 'retry'], ['Cancel', 'cancel'], ['Discard', 'discard']]) {
    const btn = button(page, name);
    await page.waitForFunction((s) => document.querySelector(`[data-testid="job-actions"] [data-action="${s}"]`)?.disabled, slug);
    assert.equal(await btn.isDisabled(), true, `${name} is disabled`);
    // The reason is visible text, and the button is described by it (screen readers).
    const reason = reasons.locator(`li[data-action="${slug}"]`);
    assert.match(await reason.textContent(), /already completed/);
    assert.equal(await reason.isVisible(), true);
    assert.equal(await btn.getAttribute('aria-describedby'), await reason.getAttribute('id'));
  }
  await screenshot(page, '05b-job-actions-disabled');
});

test('the API refuses them too: retrying a completed job is a 409 with the reason', async () => {
  const admin = await login('admin');
  for (const action of ['retry', 'discard']) {
    const res = await call(admin, 'POST', `/api/jobs/${id}/${action}`, {});
    assert.equal(res.status, 409, action);
    assert.match(res.body.detail, /already completed/);
  }
  assert.equal((await getJob(admin, id)).job.state, 'completed');
});

test('no errors on the page', () => noPageErrors(b.errors));
