// Keyboard shortcuts: `/` focuses the page's search box, `g` then d, j, z, m or q opens a
// page, `?` lists them (Escape closes); none of them fire while typing in a field.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors } from '../lib/check.mjs';

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

const heading = (page, name) => page.getByRole('heading', { level: 1, name }).waitFor();

test('g then a letter opens a page', async () => {
  const { page } = b;
  await page.goto('/workers');
  await heading(page, 'Workers');
  for (const [key, path, name] of [
    ['j', /\/jobs$/, 'Jobs'], ['z', /\/zenodo$/, 'Zenodo copies'], ['m', /\/merritt$/, 'Merritt queue'],
    ['q', /\/queues$/, 'Queues'], ['d', /\/$/, 'Dashboard'],
  ]) {
    await page.keyboard.press('g');
    await page.keyboard.press(key);
    await page.waitForURL(path);
    await heading(page, name);
  }
});

test('/ focuses the search box, and keys typed there stay in it', async () => {
  const { page } = b;
  await page.goto('/jobs');
  await heading(page, 'Jobs');
  await page.keyboard.press('/');
  const focused = await page.evaluate(() => ({ tag: document.activeElement.tagName, type: document.activeElement.type }));
  assert.equal(focused.tag, 'INPUT');
  assert.ok(['search', 'text'].includes(focused.type), `focused an input of type ${focused.type}`);
  await page.keyboard.type('gq?');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'gq?');
  assert.match(page.url(), /\/jobs/);
  assert.equal(await page.getByTestId('shortcuts-dialog').count(), 0);
});

test('? lists the shortcuts and Escape closes the list', async () => {
  const { page } = b;
  await page.goto('/queues');
  await heading(page, 'Queues');
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  for (const text of ['Go to Dashboard', 'Go to Jobs', 'Go to Zenodo copies', 'Go to Merritt queue', 'Go to Queues', 'Search or filter this page']) {
    await dialog.getByText(text, { exact: true }).waitFor();
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('no errors on the page', () => noPageErrors(b.errors));
