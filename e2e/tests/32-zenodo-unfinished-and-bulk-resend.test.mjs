// The Zenodo page lists unfinished copies by default with their total (what the API counts),
// switches to all copies, and resends checked copies at once with the API's bulk resend:
// two copies Zenodo refused are checked, resent together and finish, leaving the list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { copiesReach, eventually, login, ok, requestCopy } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { copyRow } from '../lib/find.mjs';
import { clearFaults, setFaults, sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
const UNFINISHED = ['enqueued', 'replicating', 'retrying', 'error', 'deferred'];
let b;
let admin;
let refused;

before(async () => {
  admin = await login('admin');
  const files = [await sourceFile('quadrats.csv', 6_000, 321)];
  // Zenodo refuses the deposition: both copies (two datasets, so neither waits on the
  // other) end in error.
  await setFaults({ routes: { 'zenodo.create': { error_rate: 1, status: 400 } } });
  try {
    refused = [];
    for (const [i, res] of [[0, 3201], [1, 3202]]) {
      refused.push((await requestCopy(admin, { identifier: `doi:10.5061/dryad.bulk${RUN}${i}`, resourceId: res, files })).id);
    }
    await copiesReach(admin, refused, 'error');
  } finally {
    await clearFaults();
  }
  b = await open();
  await signIn(b.page, 'operator');
});
after(async () => {
  await clearFaults();
  await b?.close();
});

const shownStates = (page) =>
  page.locator('[data-testid="copies-table"] tbody tr[data-copy-id]').evaluateAll((rows) => rows.map((r) => r.dataset.state));
const apiTotal = async (states) =>
  (await ok(admin, 'GET', `/api/zenodo/copies?limit=1${states.map((s) => `&state=${s}`).join('')}`)).total;

test('unfinished copies are listed by default, with the total the API counts', async () => {
  const { page } = b;
  await openFromNav(page, 'Zenodo', 'Zenodo copies');
  await copyRow(page, refused[0]).waitFor();
  assert.equal(await page.locator('#filter-show').inputValue(), 'unfinished');
  const states = await shownStates(page);
  assert.ok(states.length >= 2, `rows: ${states}`);
  assert.deepEqual(states.filter((s) => !UNFINISHED.includes(s)), [], 'no finished or given-up copy is listed');
  const total = page.getByTestId('copies-total');
  assert.match(await total.textContent(), /unfinished copies match/);
  assert.equal(Number(await total.getAttribute('data-total')), await apiTotal(UNFINISHED));
  await screenshot(page, '90-zenodo-unfinished');
});

test('"Show: All copies" lists finished copies too, with their total', async () => {
  const { page } = b;
  await page.locator('#filter-show').selectOption('all');
  await page.waitForURL(/show=all/);
  await page.locator('[data-testid="copies-table"] tbody tr[data-state="finished"]').first().waitFor();
  const total = page.getByTestId('copies-total');
  await page.waitForFunction((want) => Number(document.querySelector('[data-testid="copies-total"]')?.dataset.total) === want, await apiTotal([]));
  assert.doesNotMatch(await total.textContent(), /unfinished/);
  await page.locator('#filter-show').selectOption('unfinished');
  await page.waitForURL(/show=unfinished/);
  await page.waitForFunction(() => !document.querySelector('[data-testid="copies-table"] tbody tr[data-state="finished"]'));
});

test('checked copies are resent together and finish, leaving the unfinished list', async () => {
  const { page } = b;
  const bar = page.getByTestId('copies-bulk-bar');
  assert.equal(await bar.getByRole('button', { name: 'Resend' }).isDisabled(), true, 'nothing checked yet');
  for (const id of refused) {
    await copyRow(page, id).getByRole('checkbox', { name: `Select copy ${id}` }).check();
  }
  await page.getByTestId('copies-selection-count').filter({ hasText: '2 copies selected' }).waitFor();
  await screenshot(page, '91-zenodo-bulk-checked', { fullPage: false });
  await bar.getByRole('button', { name: 'Resend' }).click();
  const result = page.getByTestId('bulk-resend-result');
  await result.filter({ hasText: '2 copies back in the work queue' }).waitFor();
  for (const id of refused) assert.match(await result.textContent(), new RegExp(`#${id}`));
  await page.getByTestId('copies-selection-count').filter({ hasText: '0 copies selected' }).waitFor();
  await copiesReach(admin, refused, 'finished');
  // Finished, they leave the default list at its next refresh.
  await eventually('the resent copies to leave the list', async () => (await copyRow(page, refused[0]).count()) === 0 && (await copyRow(page, refused[1]).count()) === 0);
  const audit = (await ok(admin, 'GET', '/api/audit?limit=20')).entries;
  assert.ok(audit.some((e) => e.actor === 'olivia.operator' && e.action === 'zenodo.resend'), JSON.stringify(audit.slice(0, 3)));
});

test('a refused copy says why in the result', async () => {
  const { page } = b;
  // A finished copy cannot be resent: check it on the "all" list and resend it.
  await page.goto(`/zenodo?identifier=${encodeURIComponent(`doi:10.5061/dryad.bulk${RUN}0`)}`);
  await copyRow(page, refused[0]).getByRole('checkbox', { name: `Select copy ${refused[0]}` }).check();
  await page.getByTestId('copies-bulk-bar').getByRole('button', { name: 'Resend' }).click();
  const result = page.getByTestId('bulk-resend-result');
  await result.locator(`li[data-refused-copy="${refused[0]}"]`).waitFor();
  assert.match(await result.textContent(), /0 copies back in the work queue.*1 refused/s);
});

test('no errors on the page', () => noPageErrors(b.errors));
