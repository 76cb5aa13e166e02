// The jobs list: filters through the UI, reflected in the URL, kept across reloads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { eventually, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { jobRows, stateFilter } from '../lib/find.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

/** Waits until the table shows exactly the ids the API lists for `query`. */
async function tableMatches(page, query) {
  const admin = await login('admin');
  await eventually(`the table to list GET /api/jobs?${query}`, async () => {
    const api = await ok(admin, 'GET', `/api/jobs?${query}&limit=50`);
    const shown = await jobRows(page).evaluateAll((rows) => rows.map((r) => Number(r.dataset.jobId)));
    return api.jobs.length > 0 && JSON.stringify(shown) === JSON.stringify(api.jobs.map((j) => j.id));
  });
}

test('checking "discarded" filters the table and puts state=discarded in the URL', async () => {
  const { page } = b;
  await openFromNav(page, 'Jobs');
  await stateFilter(page, 'discarded').check();
  await page.waitForURL(/\/jobs\?state=discarded$/);
  await tableMatches(page, 'state=discarded');
  const states = await jobRows(page).evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.state))]);
  assert.deepEqual(states, ['discarded']);
  await screenshot(page, '03-jobs-discarded');
});

test('the filtered view survives a reload and adds text and queue filters', async () => {
  const { page } = b;
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  assert.ok(await stateFilter(page, 'discarded').isChecked());
  await tableMatches(page, 'state=discarded');

  await page.getByLabel('Queue').selectOption('zenodo');
  await page.waitForURL(/queue=zenodo/);
  await page.getByLabel('Text in payload or error').fill('503');
  await page.getByLabel('Text in payload or error').press('Enter');
  await page.waitForURL(/q=503/);
  assert.match(page.url(), /\/jobs\?queue=zenodo&state=discarded&q=503$/);
  await tableMatches(page, 'queue=zenodo&state=discarded&q=503');
});

test('sorting by priority ascending is a URL too, and "Clear filters" resets', async () => {
  const { page } = b;
  await page.goto('/jobs?queue=reports&sort=priority&order=asc');
  await tableMatches(page, 'queue=reports&sort=priority&order=asc');
  assert.equal(await page.getByLabel('Sort by').inputValue(), 'priority');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForURL(/\/jobs\?sort=priority&order=asc$/);
  assert.equal(await stateFilter(page, 'discarded').isChecked(), false);
});

test('no errors on the page', () => noPageErrors(b.errors));
