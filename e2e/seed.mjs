// Seeds a fresh longjobs with what the browser tests look at: a viewer and an operator, and
// jobs in every state (completed, discarded, retryable, running, available, scheduled,
// cancelled) on three queues. Run by scripts/e2e once the server and worker are up.
import { call, enqueue, eventually, login, ok } from './lib/api.mjs';
import { USERS } from './lib/env.mjs';

const admin = await login('admin');

for (const [who, role] of [['operator', 'operator'], ['viewer', 'viewer']]) {
  const { username, password } = USERS[who];
  const r = await call(admin, 'POST', '/api/users', { username, password, role });
  if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${username}: ${r.status} ${JSON.stringify(r.body)}`);
}

const times = (n, f) => Array.from({ length: n }, (_, i) => f(i));
const inAnHour = new Date(Date.now() + 3600_000).toISOString();

// Finish quickly: the throughput chart's completed bars.
await enqueue(admin, times(24, (i) => ({ queue: 'default', kind: 'noop', payload: { batch: 'seed', n: i } })));
await enqueue(admin, times(8, (i) => ({ queue: 'zenodo', kind: 'sleep', payload: { ms: 20 * i } })));
// Fail for good: discarded rows and the chart's failed bars.
const discarded = await enqueue(admin, times(6, (i) => ({
  queue: 'zenodo',
  kind: 'sleep',
  payload: { ms: 10, fail: `Zenodo answered 503 Service Unavailable for deposition ${41200 + i}`, discard: true },
})));
// Fail and wait for another attempt: retryable rows with growing backoff.
await enqueue(admin, times(3, (i) => ({
  queue: 'zenodo',
  kind: 'sleep',
  max_attempts: 8,
  payload: { ms: 10, fail: `upload of file ${i + 1} timed out after 30 s` },
})));
// Run for a long time: running rows (two of the default queue's four slots).
await enqueue(admin, times(2, () => ({ queue: 'default', kind: 'sleep', payload: { ms: 15 * 60_000 } })));
// A queue no worker serves: available rows.
await enqueue(admin, times(5, (i) => ({
  queue: 'merritt',
  kind: 'submit_to_merritt',
  priority: i % 2,
  payload: { ark: `ark:/13030/m5${(7730 + i).toString(36)}`, version: i + 1 },
  ordering_key: `dataset-${100 + i}`,
})));
// Later: scheduled rows, one of them cancelled.
const scheduled = await enqueue(admin, times(3, (i) => ({
  queue: 'default',
  kind: 'noop',
  run_at: inAnHour,
  payload: { nightly: true, n: i },
  unique_key: `nightly-${i}`,
})));
await ok(admin, 'POST', `/api/jobs/${scheduled[2]}/cancel`);

await eventually('the seeded failures to be discarded', async () => {
  const page = await ok(admin, 'GET', '/api/jobs?state=discarded&limit=500');
  return discarded.every((id) => page.jobs.some((j) => j.id === id));
}, { timeout: 60_000 });
await eventually('jobs to be running', async () => {
  const page = await ok(admin, 'GET', '/api/jobs?state=running&limit=10');
  return page.jobs.length >= 2;
}, { timeout: 30_000 });

const stats = await ok(admin, 'GET', '/api/stats');
console.log('seeded: ' + stats.totals.map((t) => `${t.state} ${t.count}`).join(', ') + `; workers alive ${stats.workers_alive}`);
