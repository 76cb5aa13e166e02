// Work that will never run is not invisible: a job in a queue no live worker serves and one
// of a kind the running worker does not register (the suite's worker serves default, zenodo
// and merritt and runs the built-in, Zenodo and Merritt kinds) are named on the dashboard,
// the Queues page, their job pages and the maintenance status. Then it clears: a paused
// queue waits for its resume, not for a worker; a worker started for the queue runs the job;
// the job of the unknown kind is cancelled from its page. Last, the dashboard chart of one
// queue and kind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { enqueue, eventually, getJob, jobsReach, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { dialog, queueRow } from '../lib/find.mjs';

const QUEUE = 'unserved-35';
const KIND = 'build_usage_report';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let b;
let admin;
let lost;
let unknown;
let extraWorker;
before(async () => {
  admin = await login('admin');
  [lost] = await enqueue(admin, [{ queue: QUEUE, kind: 'noop', payload: { e2e: 'unserved-35' } }]);
  // The worker of `default` claims it all the same and fails it for want of a handler;
  // between its attempts it waits for a worker that runs its kind.
  [unknown] = await enqueue(admin, [{ queue: 'default', kind: KIND, max_attempts: 25, payload: { e2e: 'unserved-35' } }]);
  b = await open({ width: 1366, height: 900, bypassCSP: true });
  await signIn(b.page, 'operator');
});
after(async () => {
  await b?.close();
  if (extraWorker && extraWorker.exitCode === null) extraWorker.kill('SIGKILL');
});

const status = () => ok(admin, 'GET', '/api/maintenance');
/** The Queues page's row of `name` with `attr` (e.g. `data-served="false"`). */
const rowWith = (page, name, attr) => page.locator(`[data-testid="queues-table"] tbody tr[data-queue="${name}"][${attr}]`);
const entry = (st, queue, kind = null) => st.unserved.find((u) => u.queue === queue && u.kind === kind);

/** The serious and critical violations axe-core finds on the page. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
}

test('the API counts the work no live worker runs and says why each job waits', async () => {
  // Not in the moment the worker tries the job of the unknown kind.
  await eventually('the failed attempt', async () => (await getJob(admin, unknown)).job.state !== 'running');
  // On a large table the server answers from a job count up to 10 s old (the counts
  // cache): wait for one taken after both jobs were enqueued.
  const st = await eventually('a count that has both jobs', async () => {
    const now = await status();
    return entry(now, QUEUE) && entry(now, 'default', KIND) ? now : null;
  });
  assert.deepEqual(
    [entry(st, QUEUE)?.jobs, entry(st, QUEUE)?.reason],
    [1, `no live worker serves queue ${QUEUE}`],
  );
  assert.deepEqual(
    [entry(st, 'default', KIND)?.jobs, entry(st, 'default', KIND)?.reason],
    [1, `no live worker of queue default runs kind ${KIND}`],
  );
  assert.equal(st.unserved_jobs, st.unserved.reduce((n, u) => n + u.jobs, 0));
  assert.equal((await getJob(admin, lost)).unserved_reason, `no live worker serves queue ${QUEUE}`);
  await eventually('the reason of the unknown kind', async () =>
    (await getJob(admin, unknown)).unserved_reason === `no live worker of queue default runs kind ${KIND}`);
  const queues = await eventually('the queues listing from such a count', async () => {
    const now = await ok(admin, 'GET', '/api/queues');
    return now.find((x) => x.name === QUEUE)?.unserved_jobs ? now : null;
  });
  const q = queues.find((x) => x.name === QUEUE);
  assert.deepEqual([q.served, q.unserved_jobs], [false, 1]);
  const d = queues.find((x) => x.name === 'default');
  assert.equal(d.served, true);
  assert.deepEqual(d.unserved_kinds, [{ kind: KIND, jobs: 1 }]);
});

test('the dashboard warns of both, each line leading to the jobs', async () => {
  const { page } = b;
  await page.goto('/');
  const panel = page.getByTestId('unserved-panel');
  const queueLine = panel.locator(`li[data-queue="${QUEUE}"]`);
  await queueLine.waitFor();
  assert.equal(await queueLine.textContent(), `1 job waits in queue ${QUEUE} that no worker serves.`);
  const kindLine = panel.locator(`li[data-queue="default"][data-kind="${KIND}"]`);
  assert.equal(
    await kindLine.textContent(),
    `1 job of kind ${KIND} waits in queue default: no worker of the queue runs that kind.`,
  );
  await page.locator(`[data-testid="stats-table"] tr[data-queue="${QUEUE}"]`).getByText('no worker').waitFor();
  await screenshot(page, '35-dashboard-unserved');
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axeViolations(page), [], `dashboard, ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  await kindLine.getByRole('link').click();
  await page.waitForURL(/\/jobs\?/);
  const url = new URL(page.url());
  assert.deepEqual([url.searchParams.get('queue'), url.searchParams.get('kind')], ['default', KIND]);
  await page.locator(`[data-testid="jobs-table"] tbody tr[data-job-id="${unknown}"]`).waitFor();
});

test('the Queues page marks the queue no worker serves and names the kind no worker runs', async () => {
  const { page } = b;
  await page.goto('/queues');
  const row = queueRow(page, QUEUE);
  await rowWith(page, QUEUE, 'data-served="false"').waitFor();
  assert.equal(await row.getByTestId('queue-unserved').textContent(), 'no worker serves this · 1 job waiting');
  const kind = queueRow(page, 'default').locator(`[data-testid="kind-unserved"][data-kind="${KIND}"]`);
  assert.equal(await kind.textContent(), `no worker runs ${KIND} · 1 job waiting`);
  assert.equal(await queueRow(page, 'zenodo').getByTestId('queue-unserved').count(), 0, 'a served queue is not marked');
  await screenshot(page, '35-queues-unserved');
  await page.setViewportSize({ width: 800, height: 900 });
  await screenshot(page, '35-queues-unserved-800');
  await page.setViewportSize({ width: 1366, height: 900 });
});

test('each job page says which worker is missing; the maintenance status lists both', async () => {
  const { page } = b;
  for (const [id, reason] of [
    [lost, `no live worker serves queue ${QUEUE}`],
    [unknown, `no live worker of queue default runs kind ${KIND}`],
  ]) {
    await page.goto(`/jobs/${id}`);
    const banner = page.getByTestId('job-unserved');
    await banner.waitFor();
    assert.match(await banner.textContent(), new RegExp(`^No worker will run this job: ${reason}\\.`));
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await axeViolations(page), [], 'job page, dark');
  await screenshot(page, '35-job-unserved-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.goto('/maintenance');
  const list = page.getByTestId('maintenance-unserved');
  const line = list.locator(`li[data-queue="${QUEUE}"]`);
  await line.waitFor();
  assert.match(await line.textContent(), new RegExp(`^1 job in ${QUEUE}: no live worker serves queue ${QUEUE}, due since `));
  assert.match(
    await list.locator(`li[data-queue="default"][data-kind="${KIND}"]`).textContent(),
    new RegExp(`^1 job in default: no live worker of queue default runs kind ${KIND}, due since `),
  );
  const count = Number(await page.getByTestId('unserved-count').getAttribute('data-jobs'));
  assert.equal(count, (await status()).unserved_jobs);
  assert.ok(count >= 2, `${count}`);
  await screenshot(page, '35-maintenance-unserved');
});

test('a paused queue waits for its resume, not for a worker', async () => {
  const { page } = b;
  await page.goto('/queues');
  await queueRow(page, QUEUE).getByRole('button', { name: `Pause queue ${QUEUE}` }).click();
  await rowWith(page, QUEUE, 'data-paused="true"').waitFor();
  assert.equal(await queueRow(page, QUEUE).getByTestId('queue-unserved').count(), 0);
  assert.equal(entry(await status(), QUEUE), undefined);
  assert.equal((await getJob(admin, lost)).unserved_reason, null);
  await page.goto(`/jobs/${lost}`);
  await page.locator('[data-testid="job-state"][data-state="available"]').waitFor();
  assert.equal(await page.getByTestId('job-unserved').count(), 0);

  await page.goto('/queues');
  await queueRow(page, QUEUE).getByRole('button', { name: `Resume queue ${QUEUE}` }).click();
  await queueRow(page, QUEUE).getByTestId('queue-unserved').waitFor();
  assert.equal(entry(await status(), QUEUE)?.jobs, 1);
});

test('a worker that serves the queue runs the job, and the warnings go', async () => {
  const { page } = b;
  const bin = path.resolve(process.env.CARGO_TARGET_DIR ?? 'target', 'debug', 'longjobs-worker');
  extraWorker = spawn(bin, ['--queue', `${QUEUE}=1`, '--daily-retry-limit', '0'], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: 'ignore',
  });
  await jobsReach(admin, [lost], 'completed');
  assert.equal(entry(await status(), QUEUE), undefined);
  await page.goto('/queues');
  await rowWith(page, QUEUE, 'data-served="true"').waitFor();
  assert.equal(await queueRow(page, QUEUE).getByTestId('queue-unserved').count(), 0);
  await page.goto('/');
  await page.getByRole('heading', { name: 'Jobs by queue and state' }).waitFor();
  await page.locator(`[data-testid="stats-table"] tr[data-queue="${QUEUE}"]`).waitFor();
  assert.equal(await page.locator(`[data-testid="unserved-panel"] li[data-queue="${QUEUE}"]`).count(), 0);

  // Stopped cleanly, it serves nothing again; nothing waits there now.
  extraWorker.kill('SIGTERM');
  await once(extraWorker, 'exit');
  await page.goto('/queues');
  await rowWith(page, QUEUE, 'data-served="false"').waitFor();
  assert.equal(await queueRow(page, QUEUE).getByTestId('queue-unserved').textContent(), 'no worker serves this');
});

test('cancelled from its page, the job of the unknown kind waits for nothing', async () => {
  const { page } = b;
  await page.goto(`/jobs/${unknown}`);
  await page.getByTestId('job-unserved').waitFor();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog(page).getByRole('heading', { name: `Cancel job #${unknown}?` }).waitFor();
  await page.getByTestId('confirm-button').click();
  await page.locator('[data-testid="job-state"][data-state="cancelled"]').waitFor();
  assert.equal(await page.getByTestId('job-unserved').count(), 0);
  await eventually('the kind to leave the status', async () => entry(await status(), 'default', KIND) === undefined);
  await page.goto('/queues');
  await rowWith(page, 'default', 'data-served="true"').waitFor();
  assert.equal(await queueRow(page, 'default').locator(`[data-testid="kind-unserved"][data-kind="${KIND}"]`).count(), 0);
});

test('the dashboard chart shows one queue and kind when chosen, kept in the URL', async () => {
  const { page } = b;
  const sum = (h) => h.points.reduce((n, p) => n + p.completed, 0);
  await page.goto('/?range=24h');
  const chart = page.getByTestId('throughput-chart');
  await chart.waitFor();
  await page.getByLabel('Queue', { exact: true }).selectOption(QUEUE);
  await page.waitForURL((u) => u.searchParams.get('queue') === QUEUE && u.searchParams.get('range') === '24h');
  await page.getByLabel('Kind', { exact: true }).selectOption('noop');
  await page.waitForURL((u) => u.searchParams.get('kind') === 'noop' && u.searchParams.get('queue') === QUEUE);
  // The job the extra worker ran is the queue's only finished job.
  await eventually('the chart to match the queue and kind history', async () => {
    const h = await ok(admin, 'GET', `/api/stats/history?range=24h&queue=${QUEUE}&kind=noop`);
    return sum(h) === 1 && Number(await page.getByTestId('throughput-chart').getAttribute('data-completed')) === 1;
  });
  const all = await ok(admin, 'GET', '/api/stats/history?range=24h');
  assert.ok(sum(all) > 1, 'every queue finished more');
  await screenshot(page, '35-dashboard-chart-one-queue');

  // A reload keeps the choice; a range switch keeps it too; "All queues" drops it.
  await page.reload();
  await page.getByTestId('throughput-chart').waitFor();
  assert.equal(await page.getByLabel('Queue', { exact: true }).inputValue(), QUEUE);
  assert.equal(await page.getByLabel('Kind', { exact: true }).inputValue(), 'noop');
  await page.getByRole('group', { name: 'Chart range' }).getByRole('button', { name: '7 d', exact: true }).click();
  await page.waitForURL((u) => u.searchParams.get('range') === '7d' && u.searchParams.get('queue') === QUEUE);
  await page.getByLabel('Queue', { exact: true }).selectOption('');
  await page.waitForURL((u) => !u.searchParams.has('queue') && u.searchParams.get('kind') === 'noop');
  await eventually('the chart of every queue', async () => {
    const h = await ok(admin, 'GET', '/api/stats/history?range=7d&kind=noop');
    return Number(await page.getByTestId('throughput-chart').getAttribute('data-completed')) === sum(h);
  });
});

test('no errors on the page', () => noPageErrors(b.errors));
