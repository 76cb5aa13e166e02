// Dark mode: the console follows the system's colour scheme, and the shell's theme switch
// pins light or dark (remembered across reloads) or goes back to the system's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors } from '../lib/check.mjs';

/** Whether the page's background is dark (its luminance under one half). */
const looksDark = (page) => page.evaluate(() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5;
});

let b;
before(async () => {
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

test('the console follows the system colour scheme', async () => {
  const { page } = b;
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await looksDark(page), true, 'dark system, dark page');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await looksDark(page), false, 'light system, light page');
});

test('the theme switch pins a theme, remembered after a reload, and System follows again', async () => {
  const { page } = b;
  const theme = page.getByTestId('theme-switch');
  assert.equal(await theme.inputValue(), 'system');
  await page.emulateMedia({ colorScheme: 'light' });
  await theme.selectOption('dark');
  assert.equal(await looksDark(page), true, 'dark chosen on a light system');
  await page.reload();
  await page.getByTestId('user').waitFor();
  assert.equal(await looksDark(page), true, 'still dark after a reload');
  assert.equal(await page.getByTestId('theme-switch').inputValue(), 'dark');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('theme-switch').selectOption('light');
  assert.equal(await looksDark(page), false, 'light chosen on a dark system');
  await page.getByTestId('theme-switch').selectOption('system');
  assert.equal(await looksDark(page), true, 'System follows the dark system again');
  assert.equal(await page.evaluate(() => localStorage.getItem('longjobs.theme')), 'system');
});

test('no errors on the page', () => noPageErrors(b.errors));
