// Sorting the Zenodo copies: a column header asks the API for that order (so every page is
// sorted, not only the rows loaded), the order lives in the URL, and paging keeps it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { copiesReach, login, ok, requestCopy } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { sourceFile } from '../lib/sim.mjs';

const IDENT = `doi:10.5061/dryad.sort${Date.now().toString(36)}`;
// Resource id → file size: the sizes are not in id order.
const SIZES = { 9801: 12_000, 9802: 4_000, 9803: 20_000, 9804: 8_000 };
let b;
let admin;
const ids = {};

before(async () => {
  admin = await login('admin');
  for (const [res, size] of Object.entries(SIZES)) {
    const files = [await sourceFile(`core-${res}.csv`, size, Number(res))];
    ids[res] = (await requestCopy(admin, { identifier: IDENT, resourceId: Number(res), files })).id;
  }
  await copiesReach(admin, Object.values(ids), 'finished');
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

/** Waits until the table shows exactly these copies, in this order. */
const rowsInOrder = (page, want) =>
  page.waitForFunction(
    (w) => [...document.querySelectorAll('[data-testid="copies-table"] tbody tr[data-copy-id]')].map((r) => Number(r.dataset.copyId)).join() === w,
    want.join(),
  );
const shownIds = (page) =>
  page.locator('[data-testid="copies-table"] tbody tr[data-copy-id]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.copyId)));
const bySize = (desc) =>
  Object.keys(SIZES)
    .sort((x, y) => (desc ? SIZES[y] - SIZES[x] : SIZES[x] - SIZES[y]))
    .map((res) => ids[res]);

test('clicking "Size" asks the API for copies by size, largest first, then smallest first', async () => {
  const { page } = b;
  await page.goto(`/zenodo?identifier=${encodeURIComponent(IDENT)}`);
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${ids[9801]}"]`).waitFor();
  const asked = page.waitForRequest((r) => /\/api\/zenodo\/copies\?.*sort=size/.test(r.url()) && !/order=asc/.test(r.url()));
  await page.getByRole('button', { name: 'Size', exact: true }).click();
  await asked;
  await page.waitForURL(/sort=size/);
  await rowsInOrder(page, bySize(true));
  assert.equal(await page.getByRole('columnheader', { name: 'Size' }).getAttribute('aria-sort'), 'descending');
  const askedAsc = page.waitForRequest((r) => /sort=size/.test(r.url()) && /order=asc/.test(r.url()));
  await page.getByRole('button', { name: 'Size', exact: true }).click();
  await askedAsc;
  await page.waitForURL(/order=asc/);
  await rowsInOrder(page, bySize(false));
  await screenshot(page, '40-zenodo-sorted-by-size');
});

test('a shared sorted URL opens sorted, and the API pages it in the same order', async () => {
  const { page } = b;
  await page.goto(`/zenodo?identifier=${encodeURIComponent(IDENT)}&sort=size&order=asc`);
  await page.locator(`[data-testid="copies-table"] tr[data-copy-id="${ids[9802]}"]`).waitFor();
  assert.deepEqual(await shownIds(page), bySize(false));
  // Two at a time through the API: the pages join up in size order.
  const paged = [];
  let cursor = null;
  for (let i = 0; i < 5; i++) {
    const q = `identifier=${encodeURIComponent(IDENT)}&sort=size&order=asc&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const p = await ok(admin, 'GET', `/api/zenodo/copies?${q}`);
    paged.push(...p.copies.map((c) => c.id));
    cursor = p.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(paged, bySize(false));
});

test('no errors on the page', () => noPageErrors(b.errors));
