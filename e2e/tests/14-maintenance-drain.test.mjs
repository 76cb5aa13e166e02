// Maintenance: drain while copies replicate (Zenodo made slow), watch the console show what
// still runs and turn "drained", see the banner on every page, then restart and see the
// deferred copies and the held submission complete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import {
  copiesReach, eventually, getCopy, login, ok, requestCopy, submissionsReach, submitToMerritt,
} from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { banner, copyRow, dialog } from '../lib/find.mjs';
import { clearFaults, setFaults, sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
let b;
let admin;
let copies;
let files;
let held;

before(async () => {
  admin = await login('admin');
  b = await open();
  await signIn(b.page, 'operator');
  await openFromNav(b.page, 'Maintenance');
  files = [await sourceFile('transects.csv', 24_000, 51)];
  // Every upload takes 10 s: two copies replicate (the worker runs two at a time), the rest wait.
  await setFaults({ routes: { 'zenodo.upload': { latency_ms: 10_000 } } });
  copies = [];
  for (let i = 0; i < 4; i++) {
    const c = await requestCopy(admin, { identifier: `doi:10.5061/dryad.drain${RUN}${i}`, resourceId: 9400 + i, files });
    copies.push(c.id);
  }
  await eventually('two copies to be replicating', async () => {
    const states = await Promise.all(copies.map(async (id) => (await getCopy(admin, id)).copy.state));
    return states.filter((s) => s === 'replicating').length === 2;
  });
});
after(async () => {
  await clearFaults();
  // Whatever happened, leave no drain on for the tests after this one.
  await ok(admin, 'POST', '/api/maintenance/restart');
  await b?.close();
});

test('draining, confirmed, shows the jobs still running and the banner', async () => {
  const { page } = b;
  await page.locator('[data-testid="drain-state"][data-phase="normal"]').waitFor();
  assert.equal(await banner(page).count(), 0, 'no banner without a drain');
  assert.ok(await page.getByLabel('Defer Zenodo replication').isChecked());
  assert.ok(await page.getByLabel('Hold Merritt submissions').isChecked());
  await page.getByTestId('drain-button').click();
  await dialog(page).getByRole('heading', { name: 'Drain for maintenance?' }).waitFor();
  await screenshot(page, '27-maintenance-drain-confirm', { fullPage: false });
  await page.getByTestId('confirm-button').click();
  await page.getByTestId('drain-result').waitFor();

  const state = page.locator('[data-testid="drain-state"][data-phase="draining"]');
  await state.waitFor();
  const status = await ok(admin, 'GET', '/api/maintenance');
  assert.equal(status.drained, false);
  assert.ok(status.zenodo_deferred && status.merritt_held);
  // The running table lists the replicating copies' jobs.
  const running = await Promise.all(copies.map((id) => getCopy(admin, id)));
  const replicatingJobs = running.filter((d) => d.copy.state === 'replicating').map((d) => d.copy.job_id);
  assert.equal(replicatingJobs.length, 2);
  for (const job of replicatingJobs) {
    await page.locator(`[data-testid="running-table"] tr[data-job-id="${job}"]`).waitFor();
  }
  await banner(page).and(page.locator('[data-phase="draining"]')).waitFor();
  await page.getByTestId('drained-answer').filter({ hasText: 'no' }).waitFor();
  await screenshot(page, '28-maintenance-draining');
});

test('a submission arriving during the drain is held; the banner shows on other pages', async () => {
  const { page } = b;
  held = (await submitToMerritt(admin, { identifier: `doi:10.5061/dryad.drain${RUN}m`, resourceId: 9450, files })).id;
  await submissionsReach(admin, [held], 'rejected_shutting_down', 30_000);
  await openFromNav(page, 'Jobs');
  await banner(page).waitFor();
  assert.match(await banner(page).textContent(), /Zenodo replication deferred since/);
  assert.match(await banner(page).textContent(), /Merritt submissions held since/);
  await screenshot(page, '29-banner-on-jobs');
});

test('the drain turns "drained" once the replicating copies finish; the waiting ones are deferred', async () => {
  const { page } = b;
  await openFromNav(page, 'Maintenance');
  await page.locator('[data-testid="drain-state"][data-phase="drained"][data-drained="true"]').waitFor({ timeout: 60_000 });
  await page.getByTestId('drained-answer').filter({ hasText: 'yes' }).waitFor();
  await page.getByTestId('running-none').waitFor();
  const status = await ok(admin, 'GET', '/api/maintenance');
  assert.equal(status.drained, true);
  assert.ok(status.drained_at, 'the drain says since when');
  const states = await Promise.all(copies.map(async (id) => (await getCopy(admin, id)).copy.state));
  assert.deepEqual([...states].sort(), ['deferred', 'deferred', 'finished', 'finished']);
  assert.ok(status.deferred_copies >= 2);
  assert.equal(status.held_submissions, 1);
  const deferredCard = page.locator('.stat-card', { hasText: 'Deferred copies' }).locator('.stat-value');
  await eventually('the deferred count', async () => Number(await deferredCard.textContent()) === status.deferred_copies);
  await banner(page).and(page.locator('[data-phase="drained"]')).waitFor();
  await screenshot(page, '30-maintenance-drained');

  await page.goto('/zenodo?state=deferred');
  for (const [i, id] of copies.entries()) {
    if (states[i] === 'deferred') await copyRow(page, id).waitFor();
  }
  await banner(page).and(page.locator('[data-phase="drained"]')).waitFor();
  await screenshot(page, '31-zenodo-deferred');
});

test('restart, confirmed, clears the switches; the deferred copies and the held submission complete', async () => {
  const { page } = b;
  await clearFaults();
  await openFromNav(page, 'Maintenance');
  await page.getByTestId('restart-button').click();
  await dialog(page).getByRole('heading', { name: 'Restart after maintenance?' }).waitFor();
  await page.getByTestId('confirm-button').click();
  const result = page.getByTestId('restart-result');
  await result.waitFor();
  assert.match(await result.textContent(), /cleared defer_zenodo and hold_merritt/);
  assert.match(await result.textContent(), new RegExp(`1 submission \\(#${held}\\)`));
  await page.locator('[data-testid="drain-state"][data-phase="normal"]').waitFor();
  await banner(page).waitFor({ state: 'detached' });
  await copiesReach(admin, copies, 'finished');
  await submissionsReach(admin, [held], 'completed');
  await screenshot(page, '32-maintenance-restarted');
});

test('no errors on the page', () => noPageErrors(b.errors));
