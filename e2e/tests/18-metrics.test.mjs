// Prometheus /metrics on the server during the e2e run: the job counters move as jobs run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, enqueue, eventually, login } from '../lib/api.mjs';
import { BASE_URL } from '../lib/env.mjs';

/** The value of `longjobs_jobs` for one queue and state in a scrape (0 when absent). */
function jobsGauge(text, queue, state) {
  for (const line of text.split('\n')) {
    if (!/^longjobs_jobs\{/.test(line)) continue;
    if (line.includes(`queue="${queue}"`) && line.includes(`state="${state}"`)) {
      return Number(line.trim().split(/\s+/).pop());
    }
  }
  return 0;
}

async function scrape(token) {
  const res = await fetch(`${BASE_URL}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text() };
}

test('a scrape needs a token and shows completed jobs going up as the worker runs them', async () => {
  assert.equal((await scrape(null)).status, 401, 'metrics are closed without a token');
  const token = await login('viewer');
  const before = await scrape(token);
  assert.equal(before.status, 200);
  assert.match(before.text, /^# TYPE longjobs_jobs gauge/m);
  const completedBefore = jobsGauge(before.text, 'default', 'completed');

  const admin = await login('admin');
  const ids = await enqueue(admin, [1, 2, 3, 4, 5].map((i) => ({ queue: 'default', kind: 'noop', payload: { i } })));
  await eventually('the five jobs to complete', async () => {
    const states = await Promise.all(ids.map(async (id) => (await call(admin, 'GET', `/api/jobs/${id}`)).body.job.state));
    return states.every((s) => s === 'completed');
  });
  const after = await eventually('the scrape to count them', async () => {
    const s = await scrape(token);
    return jobsGauge(s.text, 'default', 'completed') >= completedBefore + 5 ? s : null;
  });
  assert.ok(jobsGauge(after.text, 'default', 'completed') >= completedBefore + 5);
});
