// Zenodo copies an operator gives up on, keeps out of the daily retry, and watches upload:
// a copy the simulator refuses is given up from its page through a reason dialog (a reason
// is required), the copy behind it then runs, and Give up is disabled with the reason where
// it cannot apply; the daily retry is toggled with a reason; a long copy shows a progress
// bar that moves between files while it replicates.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { copiesReach, eventually, getCopy, login, requestCopy } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { dialog } from '../lib/find.mjs';
import { clearFaults, setFaults, sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
const IDENT = `doi:10.5061/dryad.giveup${RUN}`;
const LONG = `doi:10.5061/dryad.progress${RUN}`;
/** Zenodo refuses every new deposition: a 4xx fails a copy at once. */
const REFUSE_CREATE = { routes: { 'zenodo.create': { error_rate: 1, status: 400 } } };

let b;
let admin;
let first;
let second;

before(async () => {
  admin = await login('admin');
  await setFaults(REFUSE_CREATE);
  first = (await requestCopy(admin, { identifier: IDENT, resourceId: 9701, files: [await sourceFile('a.csv', 5_000, 31)] })).id;
  second = (await requestCopy(admin, { identifier: IDENT, resourceId: 9702, files: [await sourceFile('a.csv', 5_000, 32)] })).id;
  await copiesReach(admin, [first], 'error');
  await clearFaults();
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  await clearFaults();
  await b?.close();
});

test('Give up asks for a reason, ends the copy and lets the copy behind it run', async () => {
  const { page } = b;
  await page.goto(`/zenodo/copies/${first}`);
  await page.locator('[data-testid="copy-state"][data-state="error"]').waitFor();
  await page.getByTestId('give-up').click();
  await dialog(page).getByRole('heading', { name: 'Give up on this copy?' }).waitFor();
  // No reason: the dialog stays and says why.
  await page.getByTestId('confirm-button').click();
  await dialog(page).getByRole('alert').filter({ hasText: 'Say why.' }).waitFor();
  assert.equal((await getCopy(admin, first)).copy.state, 'error');
  await page.getByTestId('reason-input').fill('v1 was withdrawn by the curators');
  await screenshot(page, '70-zenodo-give-up-dialog', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('copy-action-result').filter({ hasText: `Given up; released 1 copy behind it (#${second})` }).waitFor();
  await page.locator('[data-testid="copy-state"][data-state="given_up"]').waitFor();
  await page.getByTestId('copy-given-up').filter({ hasText: 'v1 was withdrawn by the curators' }).waitFor();
  // Give up no longer applies: disabled, with the reason beside it.
  assert.equal(await page.getByTestId('give-up').isDisabled(), true);
  await page.getByTestId('give-up-why').filter({ hasText: 'already given up' }).waitFor();
  await screenshot(page, '71-zenodo-given-up');
  await copiesReach(admin, [second], 'finished');
  const c = await getCopy(admin, first);
  assert.equal(c.copy.given_up_reason, 'v1 was withdrawn by the curators');

  // A finished copy cannot be given up either.
  await page.goto(`/zenodo/copies/${second}`);
  await page.locator('[data-testid="copy-state"][data-state="finished"]').waitFor();
  assert.equal(await page.getByTestId('give-up').isDisabled(), true);
  await page.getByTestId('give-up-why').filter({ hasText: 'finished' }).waitFor();
});

test('the daily retry is toggled from the copy page, with a reason, and shown in the listing', async () => {
  const { page } = b;
  await page.goto(`/zenodo/copies/${first}`);
  const daily = page.getByTestId('copy-daily-retry');
  await daily.filter({ hasText: 'included' }).waitFor();
  await page.getByTestId('daily-retry-toggle').click();
  await dialog(page).getByRole('heading', { name: 'Exclude from the daily retry?' }).waitFor();
  await page.getByTestId('reason-input').fill('waiting for the curators');
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('copy-action-result').filter({ hasText: 'Excluded from the daily retry.' }).waitFor();
  await daily.filter({ hasText: 'waiting for the curators' }).waitFor();
  assert.equal(await daily.getAttribute('data-excluded'), 'true');
  assert.equal((await getCopy(admin, first)).copy.daily_retry_excluded, true);
  await page.goto(`/zenodo?identifier=${encodeURIComponent(IDENT)}`);
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${first}"] [data-testid="row-daily-excluded"]`).waitFor();
  await page.goto(`/zenodo/copies/${first}`);
  await page.getByTestId('daily-retry-toggle').filter({ hasText: 'Include in daily retry' }).click();
  await page.getByTestId('reason-input').fill('curators done');
  await page.getByTestId('confirm-button').click();
  await daily.filter({ hasText: 'included' }).waitFor();
  assert.equal((await getCopy(admin, first)).copy.daily_retry_excluded, false);
});

test('a long copy shows a progress bar that moves between files while it uploads', async () => {
  const { page } = b;
  // Every upload takes 1.5 s: the copy page (refreshed as its progress changes) sees it between files.
  await setFaults({ routes: { 'zenodo.upload': { latency_ms: 1500 } } });
  const files = [];
  for (let i = 1; i <= 5; i += 1) files.push(await sourceFile(`part${i}.csv`, 10_000, 40 + i));
  const id = (await requestCopy(admin, { identifier: LONG, resourceId: 9711, files })).id;
  await page.goto(`/zenodo/copies/${id}`);
  const bar = page.getByTestId('copy-progress');
  const seen = new Set();
  await eventually('progress between the first and the last file', async () => {
    if (await bar.count() === 1) {
      const done = Number(await bar.getAttribute('data-files-done'));
      seen.add(done);
      if (done > 0 && done < 5) return true;
    }
    return false;
  }, { timeout: 30_000, every: 100 });
  assert.match(await bar.textContent(), /Uploading: [1-4] of 5 files/);
  assert.equal(await bar.locator('progress').count(), 1);
  await screenshot(page, '72-zenodo-progress');
  await copiesReach(admin, [id], 'finished');
  await page.locator('[data-testid="copy-state"][data-state="finished"]').waitFor();
  assert.equal(await bar.count(), 0, 'the bar is shown only while the copy replicates');
  const c = await getCopy(admin, id);
  assert.deepEqual(c.copy.progress, { files_done: 5, files_total: 5, bytes_done: 50_000, bytes_total: 50_000 });
  await clearFaults();
});

test('no errors on the page', () => noPageErrors(b.errors));
