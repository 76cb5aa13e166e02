// The dashboard's chart over 1 h / 24 h / 7 d / 30 d: the range lives in the URL, survives a
// reload, and the 7 d chart (hour buckets) shows what GET /api/stats/history says, with data.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { call, enqueue, eventually, getJob, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';

let b;
let viewer;
before(async () => {
  viewer = await login('viewer');
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

const sum = (h, field) => h.points.reduce((n, p) => n + p[field], 0);
const rangeButton = (page, label) => page.getByRole('group', { name: 'Chart range' }).getByRole('button', { name: label, exact: true });

test('switching the dashboard chart to 7 d shows the hours of the lasting history', async () => {
  const { page } = b;
  // Jobs of this test's own, run by the suite's worker, so the chart has data of its own.
  const admin = await login('admin');
  const ids = await enqueue(admin, [1, 2, 3].map((i) => ({ queue: 'default', kind: 'noop', payload: { history_e2e_30: i } })));
  await eventually('the three jobs to complete', async () => {
    const jobs = await Promise.all(ids.map((id) => getJob(admin, id)));
    return jobs.every((d) => d.job.state === 'completed');
  });

  await page.goto('/');
  const chart = page.getByTestId('throughput-chart');
  await chart.waitFor();
  assert.equal(await rangeButton(page, '1 h').getAttribute('aria-pressed'), 'true');
  assert.equal(await chart.getAttribute('data-points'), '60');

  await rangeButton(page, '7 d').click();
  await page.waitForURL((u) => u.search === '?range=7d');
  assert.equal(await rangeButton(page, '7 d').getAttribute('aria-pressed'), 'true');
  assert.equal(await rangeButton(page, '1 h').getAttribute('aria-pressed'), 'false');
  await page.getByRole('heading', { name: 'Throughput, last 7 days' }).waitFor();
  await eventually('the 7 d chart to match GET /api/stats/history?range=7d', async () => {
    const h = await ok(viewer, 'GET', '/api/stats/history?range=7d');
    const c = page.getByTestId('throughput-chart');
    return h.bucket_secs === 3600 && h.points.length === 168 &&
      await c.getAttribute('data-points') === '168' &&
      await c.getAttribute('data-bucket-secs') === '3600' &&
      Number(await c.getAttribute('data-completed')) === sum(h, 'completed') &&
      Number(await c.getAttribute('data-failed')) === sum(h, 'failed') &&
      sum(h, 'completed') >= 3;
  });
  assert.ok(await chart.locator('rect.bar-completed').count() > 0, 'completed bars are drawn');
  const label = await chart.getAttribute('aria-label');
  assert.match(label, /^Jobs finished per hour over the last 7 days: \d+ completed, \d+ failed, \d+ cancelled, \d+ failed attempts$/);
  const tip = await chart.locator('g.bar title').last().textContent();
  assert.match(tip, /UTC — \d+ completed, \d+ failed, \d+ cancelled, \d+ failed attempts; run p50 [\d.]+ (ms|s|min|h), p95/);
  await screenshot(page, '30-dashboard-7d');

  // The range is in the URL: a reload keeps it; 30 d has 720 hours; 1 h drops the parameter.
  await page.reload();
  await page.getByRole('heading', { name: 'Throughput, last 7 days' }).waitFor();
  await rangeButton(page, '30 d').click();
  await page.waitForURL((u) => u.search === '?range=30d');
  await eventually('720 hours drawn', async () => await page.getByTestId('throughput-chart').getAttribute('data-points') === '720');
  await rangeButton(page, '1 h').click();
  await page.waitForURL((u) => u.pathname === '/' && u.search === '');
  await eventually('60 minutes drawn', async () => await page.getByTestId('throughput-chart').getAttribute('data-points') === '60');
  noPageErrors(b.errors);
});

test('a range the API does not know is a 400 problem', async () => {
  const r = await call(viewer, 'GET', '/api/stats/history?range=2w');
  assert.equal(r.status, 400);
  assert.match(r.body.detail, /range must be one of 1h, 24h, 7d or 30d/);
});
