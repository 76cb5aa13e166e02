// Seeds a fresh longjobs with what the browser tests look at: a viewer and an operator;
// jobs in every state (completed, discarded, retryable, running, available, scheduled,
// cancelled) on three queues; Zenodo copies of three datasets and Merritt submissions,
// replicated to the simulator, and two unfinished copies (one in error, one waiting on it).
// Run by scripts/e2e once the server, worker and simulator are up.
import {
  call, copiesReach, enqueue, eventually, login, ok, requestCopy, submissionsReach, submitToMerritt,
} from './lib/api.mjs';
import { USERS } from './lib/env.mjs';
import { clearFaults, setFaults, sourceFile } from './lib/sim.mjs';

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
  queue: 'reports',
  kind: 'build_usage_report',
  priority: i % 2,
  payload: { dataset: `doi:10.5061/dryad.${(7730 + i).toString(36)}`, month: `2026-0${i + 1}` },
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

// Zenodo copies of three datasets (two versions of the first, software and supplemental
// copies) and Merritt submissions, all replicated to the simulator.
const file = (name, kb, seed) => sourceFile(name, kb * 1024, seed);
const copies = [];
const copy = async (identifier, resourceId, copyType, files) =>
  copies.push((await requestCopy(admin, { identifier, resourceId, copyType, files })).id);
const [readme, table, table2, code, figures] = await Promise.all([
  file('README.md', 3, 1), file('measurements.csv', 48, 2), file('measurements.csv', 52, 3),
  file('analysis.R', 12, 4), file('figures.zip', 96, 5),
]);
await copy('doi:10.5061/dryad.8w9ghx3q1', 4101, 'data', [readme, table]);
await copy('doi:10.5061/dryad.8w9ghx3q1', 4101, 'software_publish', [code]);
await copy('doi:10.5061/dryad.8w9ghx3q1', 4102, 'data', [readme, table2]);
await copy('doi:10.5061/dryad.2bvq83bq4', 4210, 'data', [table, figures]);
await copy('doi:10.5061/dryad.2bvq83bq4', 4210, 'supp_publish', [figures]);
await copy('doi:10.5061/dryad.p5hqbzkw7', 4377, 'data', [readme, table, figures]);
const subs = [];
for (const [identifier, resourceId, files] of [
  ['doi:10.5061/dryad.8w9ghx3q1', 4101, [readme, table]],
  ['doi:10.5061/dryad.8w9ghx3q1', 4102, [readme, table2]],
  ['doi:10.5061/dryad.2bvq83bq4', 4210, [table, figures]],
  ['doi:10.5061/dryad.p5hqbzkw7', 4377, [readme, table, figures]],
]) {
  subs.push((await submitToMerritt(admin, { identifier, resourceId, files })).id);
}
await copiesReach(admin, copies, 'finished', 120_000);
await submissionsReach(admin, subs, 'completed', 120_000);

// Unfinished work, which the Zenodo page lists by default: a copy Zenodo refused (error)
// and the next version of the same dataset, waiting on it (enqueued).
await setFaults({ routes: { 'zenodo.create': { error_rate: 1, status: 400 } } });
try {
  const refused = (await requestCopy(admin, { identifier: 'doi:10.5061/dryad.k4seedunf', resourceId: 4501, files: [readme, table] })).id;
  await copiesReach(admin, [refused], 'error', 60_000);
  await requestCopy(admin, { identifier: 'doi:10.5061/dryad.k4seedunf', resourceId: 4502, files: [readme] });
} finally {
  await clearFaults();
}

const stats = await ok(admin, 'GET', '/api/stats');
console.log('seeded: ' + stats.totals.map((t) => `${t.state} ${t.count}`).join(', ') + `; workers alive ${stats.workers_alive}; ${copies.length} copies finished, 2 unfinished, ${subs.length} submissions completed`);
