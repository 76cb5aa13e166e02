// Tablet width (800 px) and keyboard use.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { open } from '../lib/browser.mjs';
import { fitsWidth, noPageErrors, screenshot } from '../lib/check.mjs';
import { everyPage, visit } from '../lib/pages.mjs';

let b;
before(async () => {
  b = await open({ width: 800, height: 1000 });
  await signIn(b.page, 'admin');
});
after(() => b?.close());

for (const [path, heading, shot] of [
  ['/', 'Dashboard', '15-dashboard-800'],
  ['/jobs', 'Jobs', '16-jobs-800'],
  ['/queues', 'Queues', '17-queues-800'],
  ['/admin', 'Users & tokens', '18-admin-800'],
  ['/zenodo', 'Zenodo copies', '18-zenodo-800'],
  ['/merritt', 'Merritt queue', '18-merritt-800'],
  ['/periodic', 'Periodic jobs', '18-periodic-800'],
]) {
  test(`${heading} fits an 800 px window`, async () => {
    const { page } = b;
    await page.goto(path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    await fitsWidth(page);
    await screenshot(page, shot);
  });
}

test('Maintenance fits an 800 px window', async () => {
  const { page } = b;
  await page.goto('/maintenance');
  await page.getByRole('heading', { level: 1, name: 'Maintenance' }).waitFor();
  await page.getByTestId('maintenance-counts').waitFor();
  await fitsWidth(page);
  await screenshot(page, '18-maintenance-800');
});

test('every action button and table column of every page lies inside an 800 px window, without sideways scrolling', async () => {
  const { page } = b;
  const outside = [];
  for (const [name, path] of await everyPage()) {
    await visit(page, path);
    // The buttons, and each table's last column (where a row's actions are).
    const cut = await page.evaluate(() => [...document.querySelectorAll('main button, main a.btn, main thead th:last-child')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0)
      .filter(({ r }) => r.left < 0 || r.right > window.innerWidth)
      .map(({ el, r }) => `${el.getAttribute('aria-label') || el.textContent.trim() || el.tagName} at ${Math.round(r.left)}..${Math.round(r.right)}`));
    outside.push(...cut.map((c) => `${name}: ${c}`));
  }
  assert.deepEqual(outside, [], 'buttons outside the window');
});

test('the keyboard reaches the skip link first, with a visible focus ring, then the navigation', async () => {
  const { page } = b;
  await page.goto('/jobs');
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => ({
    text: document.activeElement.textContent,
    outline: getComputedStyle(document.activeElement).outlineStyle,
  }));
  assert.equal(skip.text, 'Skip to content');
  assert.notEqual(skip.outline, 'none');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Dashboard');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/$/);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
});

test('the confirmation dialog takes focus and Escape closes it', async () => {
  const { page } = b;
  await page.goto('/jobs?state=completed');
  await page.getByTestId('select-page').check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Retry' }).click();
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'confirm-button');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('no errors on the page', () => noPageErrors(b.errors));
