// Signing in, and the dashboard's counts and chart against the API; load-to-data timing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { eventually, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, recordMetric, screenshot } from '../lib/check.mjs';
import { BASE_URL } from '../lib/env.mjs';
import { button } from '../lib/find.mjs';

let b;
before(async () => { b = await open(); });
after(() => b?.close());

test('a visitor is sent to the login page, and a wrong password is refused with the reason', async () => {
  const { page } = b;
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(page, '01-login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('certainly-not-the-password');
  await button(page, 'Sign in').click();
  await page.getByRole('alert').filter({ hasText: 'invalid username or password' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('longjobs.token')), null);
});

test('the admin signs in and the dashboard shows the real counts', async () => {
  const { page } = b;
  await signIn(page, 'admin');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  assert.equal(await page.getByTestId('role').textContent(), 'admin');
  // The token lives in sessionStorage, never in localStorage.
  assert.ok(await page.evaluate(() => sessionStorage.getItem('longjobs.token')));
  assert.equal(await page.evaluate(() => localStorage.length), 0);

  const admin = await login('admin');
  await eventually('the dashboard to match GET /api/stats', async () => {
    const stats = await ok(admin, 'GET', '/api/stats');
    const grand = stats.totals.reduce((n, t) => n + t.count, 0);
    const shown = Number((await page.getByTestId('grand-total').textContent()).replace(/,/g, ''));
    const reports = stats.queues.find((q) => q.name === 'reports');
    const reportsAvailable = reports.counts.find((c) => c.state === 'available').count;
    const row = page.locator('[data-testid="stats-table"] tbody tr[data-queue="reports"] td').nth(1);
    const workers = await page.locator('.stat-card', { hasText: 'Workers alive' }).locator('.stat-value').textContent();
    return shown === grand && Number(await row.textContent()) === reportsAvailable && Number(workers) === stats.workers_alive && grand > 0;
  });
});

test('the throughput chart draws the last hour from GET /api/stats/history?range=1h', async () => {
  const { page } = b;
  const chart = page.getByTestId('throughput-chart');
  await chart.waitFor();
  const admin = await login('admin');
  await eventually('the chart to match the history', async () => {
    const ts = await ok(admin, 'GET', '/api/stats/history?range=1h');
    const completed = ts.points.reduce((n, p) => n + p.completed, 0);
    const failed = ts.points.reduce((n, p) => n + p.failed, 0);
    return Number(await chart.getAttribute('data-completed')) === completed &&
      Number(await chart.getAttribute('data-failed')) === failed &&
      Number(await chart.getAttribute('data-points')) === 60 && completed > 0 && failed > 0;
  });
  assert.ok(await chart.locator('rect.bar-completed').count() > 0, 'completed bars are drawn');
  assert.ok(await chart.locator('rect.bar-failed').count() > 0, 'failed bars are drawn');
  await screenshot(page, '02-dashboard');
});

test('time from navigation to first data on the dashboard', async () => {
  const { page, browser } = b;
  const firstData = (p) => p.waitForFunction(() => {
    const m = performance.getEntriesByName('longjobs:first-data')[0];
    return m && m.startTime;
  }).then((h) => h.jsonValue());

  // Warm: reload the signed-in tab (console files cached).
  const warm = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    warm.push(Math.round(await firstData(page)));
  }
  // Cold: a fresh browser context (nothing cached) whose tab already holds a session token.
  const token = await login('admin');
  const cold = [];
  for (let i = 0; i < 3; i++) {
    const ctx = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(([t]) => {
      sessionStorage.setItem('longjobs.token', t);
      sessionStorage.setItem('longjobs.name', 'admin');
      sessionStorage.setItem('longjobs.role', 'admin');
    }, [token]);
    const p = await ctx.newPage();
    await p.goto('/');
    cold.push(Math.round(await firstData(p)));
    await ctx.close();
  }
  const median = (xs) => [...xs].sort((a, z) => a - z)[Math.floor(xs.length / 2)];
  recordMetric('dashboard_first_data_ms', { cold: cold, warm: warm, cold_median: median(cold), warm_median: median(warm) });
  console.log(`# dashboard navigation → first data: cold ${cold.join('/')} ms, warm ${warm.join('/')} ms`);
  assert.ok(median(cold) < 5000, 'the dashboard shows data within 5 s of navigation');
});

test('no errors on the page', () => noPageErrors(b.errors));
