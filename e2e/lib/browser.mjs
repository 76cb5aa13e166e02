// The browser: Debian's Chromium driven by playwright-core, one context per test file.
import { chromium } from 'playwright-core';
import { BASE_URL, CHROMIUM } from './env.mjs';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches Chromium and opens one page at `width`×`height`. Console errors and uncaught
 * exceptions of the page are collected in `errors` so tests can assert there were none.
 * `bypassCSP` lets a test inject a script of its own (axe-core) past the console's policy.
 */
export async function open({ width = 1280, height = 900, bypassCSP = false } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width, height }, bypassCSP });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused API call logs "Failed to load resource" — expected in refusal tests.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return { browser, context, page, errors, close: () => browser.close() };
}
