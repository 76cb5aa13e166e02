// Every page in light and dark: axe-core finds no serious or critical violation, and a
// screenshot of each at 1366 and 800 px goes to the suite's artifacts (screens/).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { everyPage, visit } from '../lib/pages.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The serious and critical violations axe-core finds on the page, one line each. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

let b;
let pages;
before(async () => {
  pages = await everyPage();
  b = await open({ width: 1366, height: 900, bypassCSP: true });
});
after(() => b?.close());

test('the login page has no serious accessibility violation, light or dark', async () => {
  const { page } = b;
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.goto('/login');
    await page.getByLabel('Username').waitFor();
    assert.deepEqual(await axeViolations(page), [], `login, ${colorScheme}`);
    await screenshot(page, `screens/login-1366-${colorScheme}`);
  }
  await signIn(page, 'admin');
});

for (const colorScheme of ['light', 'dark']) {
  test(`every page has no serious accessibility violation in ${colorScheme}, and is photographed`, async () => {
    const { page } = b;
    await page.emulateMedia({ colorScheme });
    const found = [];
    for (const width of [1366, 800]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of pages) {
        await visit(page, path);
        if (width === 1366) found.push(...(await axeViolations(page)).map((v) => `${name}: ${v}`));
        await screenshot(page, `screens/${name}-${width}-${colorScheme}`);
      }
    }
    assert.deepEqual(found, [], `axe-core in ${colorScheme}`);
  });
}

test('the shortcuts dialog has no serious accessibility violation', async () => {
  const { page } = b;
  await page.setViewportSize({ width: 1366, height: 900 });
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await visit(page, '/jobs');
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts-dialog').waitFor();
    assert.deepEqual(await axeViolations(page), [], `shortcuts dialog, ${colorScheme}`);
    await page.keyboard.press('Escape');
  }
});

test('no errors on the page', () => noPageErrors(b.errors));
