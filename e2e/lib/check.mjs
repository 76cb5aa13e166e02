// Checking and recording: screenshots into e2e/artifacts, and page-level assertions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from './env.mjs';

fs.mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Saves a screenshot as artifacts/<name>.png: the full page, or only the window (for a
 * modal dialog, which covers the window) with `{ fullPage: false }`.
 */
export async function screenshot(page, name, { fullPage = true } = {}) {
  // Let the last answer render and animations settle.
  await page.waitForTimeout(150);
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Records a measurement in artifacts/metrics.json (merged with earlier ones). */
export function recordMetric(key, value) {
  const file = path.join(ARTIFACTS, 'metrics.json');
  let all = {};
  try { all = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* first metric */ }
  all[key] = value;
  fs.writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
}

/** The page raised no error and logged none. */
export function noPageErrors(errors) {
  assert.deepEqual(errors, [], 'the page logged errors');
}

/** The page fits its viewport: no horizontal scrolling of the whole document. */
export async function fitsWidth(page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `the page is ${scroll}px wide in a ${width}px window`);
}
