// Zenodo copies: a copy the simulator's Zenodo refuses is found on the console and resent —
// refused while an earlier copy is unfinished ("prerequisite") and while its job is live
// ("in runner") — until it finishes with the copy waiting behind it; its page shows the full
// request log and its job; a dataset's chain is resent too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { copiesReach, eventually, getCopy, login, requestCopy } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { copyRow, dialog } from '../lib/find.mjs';
import { clearFaults, setFaults, sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
const IDENT = `doi:10.5061/dryad.fail${RUN}`;
const CHAIN = `doi:10.5061/dryad.chain${RUN}`;
/** Zenodo refuses every new deposition: a 4xx fails a copy at once. */
const REFUSE_CREATE = { routes: { 'zenodo.create': { error_rate: 1, status: 400 } } };

let b;
let admin;
let first;
let second;

before(async () => {
  admin = await login('admin');
  const files = [await sourceFile('survey.csv', 20_000, 11), await sourceFile('README.txt', 900, 12)];
  await setFaults(REFUSE_CREATE);
  first = (await requestCopy(admin, { identifier: IDENT, resourceId: 9001, files })).id;
  second = (await requestCopy(admin, { identifier: IDENT, resourceId: 9002, files: [files[0]] })).id;
  await copiesReach(admin, [first], 'error');
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  await clearFaults();
  await b?.close();
});

test('the failed copy is found under "error" with its reason; the next copy waits on it', async () => {
  const { page } = b;
  await openFromNav(page, 'Zenodo', 'Zenodo copies');
  await page.getByRole('group', { name: 'State' }).getByLabel('error', { exact: true }).check();
  await page.waitForURL(/\/zenodo\?state=error$/);
  const row = copyRow(page, first);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'error');
  const detail = await getCopy(admin, first);
  assert.match(detail.copy.last_error, /400/);
  // The error shows under the row, the Zenodo answer first.
  const error = page.locator(`[data-testid="copies-table"] tr[data-error-for="${first}"]`);
  assert.match(await error.textContent(), /answered 400: .*Simulated fault/);
  assert.equal(await error.locator('td').getAttribute('title'), detail.copy.last_error);
  assert.equal(await copyRow(page, second).count(), 0, 'the waiting copy is not in error');
  await screenshot(page, '20-zenodo-error');

  // "Ident. ID" leads to every copy of that dataset.
  await row.getByRole('link', { name: IDENT }).click();
  await page.waitForURL((u) => u.searchParams.get('identifier') === IDENT && !u.searchParams.has('state'));
  await copyRow(page, second).waitFor();
  assert.equal(await copyRow(page, second).getAttribute('data-state'), 'enqueued');
  assert.equal((await copyRow(page, second).getByTestId('waiting-on').textContent()).trim(), `#${first}`);
});

test('resending the later copy is refused: its prerequisite is unfinished', async () => {
  const { page } = b;
  await page.getByRole('button', { name: `Resend copy ${second}` }).click();
  const outcome = page.locator(`tr[data-outcome-for="${second}"] [data-testid="resend-outcome"]`);
  await outcome.filter({ hasText: `prerequisite: copy #${first}` }).waitFor();
  assert.equal(await outcome.getAttribute('data-outcome'), 'refused');
  assert.equal(await outcome.getAttribute('role'), 'alert');
  await screenshot(page, '21-zenodo-refused');
});

test('a second resend while the first one\'s job is live is refused "in runner"', async () => {
  const { page } = b;
  // Zenodo is slow and still refusing: the resent copy's job is live for seconds, then fails.
  await setFaults({ routes: { 'zenodo.create': { error_rate: 1, status: 400, latency_ms: 4000 } } });
  await page.getByRole('button', { name: `Resend copy ${first}` }).click();
  const outcome = page.locator(`tr[data-outcome-for="${first}"] [data-testid="resend-outcome"]`);
  await outcome.filter({ hasText: `#${first} and #${second} back in the work queue` }).waitFor();
  await page.getByRole('button', { name: `Resend copy ${first}` }).click();
  await outcome.filter({ hasText: 'in runner: job #' }).waitFor();
  await copiesReach(admin, [first], 'error', 30_000);
  assert.equal((await getCopy(admin, first)).copy.attempts, 2, 'the resend was a real attempt');
});

test('with Zenodo answering again, a resend finishes the copy and the one behind it', async () => {
  const { page } = b;
  await clearFaults();
  await page.getByRole('button', { name: `Resend copy ${first}` }).click();
  await page.locator(`tr[data-outcome-for="${first}"] [data-outcome="requeued"]`).waitFor();
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${first}"][data-state="finished"]`).waitFor({ timeout: 60_000 });
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${second}"][data-state="finished"]`).waitFor({ timeout: 60_000 });
  await copiesReach(admin, [first, second], 'finished');
  assert.equal(await page.getByRole('button', { name: `Resend copy ${first}` }).count(), 0, 'a finished copy has no Resend');
  await screenshot(page, '22-zenodo-resent');
});

test('the copy page shows the title, the files, the full request log and the job', async () => {
  const { page } = b;
  await copyRow(page, first).getByRole('link', { name: `#${first}`, exact: true }).click();
  await page.waitForURL(`**/zenodo/copies/${first}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`Copy #${first}`) }).waitFor();
  assert.equal(await page.getByTestId('copy-state').getAttribute('data-state'), 'finished');
  const detail = await getCopy(admin, first);
  await page.getByTestId('copy-summary').getByText(detail.metadata.title, { exact: true }).waitFor();
  const fileRows = page.getByTestId('copy-files').locator('tbody tr');
  assert.deepEqual(
    await fileRows.evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent))),
    detail.files.map((f) => [f.name, f.size === 20_000 ? '20 kB' : '900 B', f.md5]),
  );
  const log = page.getByTestId('copy-log');
  await eventually('every log line to be shown', async () => (await log.locator('li').count()) === detail.log.length);
  assert.ok(await log.locator('li[data-kind="ERROR"]').count() >= 2, 'both failed attempts are in the log');
  await log.locator('li[data-kind="INFO"]').filter({ hasText: 'resent by olivia.operator' }).first().waitFor();
  await log.locator('li[data-kind="INFO"]').filter({ hasText: 'finished:' }).waitFor();
  assert.doesNotMatch(await log.textContent(), /sim-token/, 'access tokens are redacted');
  const job = page.getByTestId('copy-job');
  await job.getByRole('link', { name: `Job #${detail.copy.job_id}` }).waitFor();
  await job.locator('.badge', { hasText: 'completed' }).waitFor();
  await screenshot(page, '23-zenodo-copy');
});

test('"Resend chain" of a dataset requeues every unfinished copy, after a confirmation', async () => {
  const { page } = b;
  await setFaults(REFUSE_CREATE);
  const files = [await sourceFile('code.tar.gz', 30_000, 21)];
  const data = (await requestCopy(admin, { identifier: CHAIN, resourceId: 9101, files })).id;
  const software = (await requestCopy(admin, { identifier: CHAIN, resourceId: 9101, copyType: 'software_publish', files })).id;
  await copiesReach(admin, [data, software], 'error');
  await clearFaults();

  await page.goto(`/zenodo?identifier=${encodeURIComponent(CHAIN)}`);
  await copyRow(page, data).waitFor();
  await page.getByTestId('resend-chain').click();
  await dialog(page).getByRole('heading', { name: `Resend the chain of ${CHAIN}?` }).waitFor();
  await screenshot(page, '24-zenodo-chain-confirm', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('zenodo-result').filter({ hasText: `2 copies of ${CHAIN} back in the work queue` }).waitFor();
  await copiesReach(admin, [data, software], 'finished');
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${software}"][data-state="finished"]`).waitFor({ timeout: 30_000 });
});

test('no errors on the page', () => noPageErrors(b.errors));
