// Control while running: an operator sets a queue's limits, pauses a job kind (the running
// worker stops claiming it while other kinds go on) and quiets the running worker (it claims
// nothing until resumed). Everything is undone at the end, so later tests find the stack as
// it was: no limits on `reports`, every kind active, the one worker claiming.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { enqueue, eventually, getJob, jobsReach, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { dialog, queueRow } from '../lib/find.mjs';

let b;
let admin;
before(async () => {
  b = await open();
  await signIn(b.page, 'operator');
  admin = await login('admin');
});
after(() => b?.close());

const queueInfo = async (name) => (await ok(admin, 'GET', '/api/queues')).find((q) => q.name === name);
const kindInfo = async (kind) => (await ok(admin, 'GET', '/api/kinds')).find((k) => k.kind === kind);
const auditActions = async () => (await ok(admin, 'GET', '/api/audit?actor=olivia.operator&limit=20')).entries;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The worker reads commands with its heartbeat (every 5 s by default) and limits and kind
// pauses every 2 s: wait out one of each before judging what it does.
const HEARTBEAT_MS = 6_000;
const SETTINGS_MS = 3_000;

test('an operator sets a queue\'s limits from the Queues page; the row and the API show them', async () => {
  const { page } = b;
  await openFromNav(page, 'Queues');
  const form = page.getByTestId('limits-form');
  await form.getByLabel('Queue', { exact: true }).selectOption('reports');
  await form.getByLabel('Most running at once').fill('2');
  await form.getByLabel('Most started').fill('30');
  await form.getByLabel('Per', { exact: true }).selectOption({ label: 'per minute' });
  await form.getByRole('button', { name: 'Save limits' }).click();
  await form.getByText('Limits of reports saved').waitFor();
  await eventually('the row to show the limits', async () =>
    (await queueRow(page, 'reports').getByTestId('queue-limits').textContent()) === '≤ 2 running · 30 per min');
  const q = await queueInfo('reports');
  assert.deepEqual([q.concurrency, q.rate_limit, q.rate_period_secs], [2, 30, 60]);
  await screenshot(page, '31-queue-limits');

  // A wrong number is refused in the form, with the reason; nothing changes.
  await form.getByLabel('Most running at once').fill('0');
  await form.getByRole('button', { name: 'Save limits' }).click();
  await form.getByText('Concurrency must be a whole number above 0').waitFor();
  assert.equal((await queueInfo('reports')).concurrency, 2);

  // Emptied fields remove the limits.
  await form.getByLabel('Queue', { exact: true }).selectOption('reports');
  await form.getByLabel('Most running at once').fill('');
  await form.getByLabel('Most started').fill('');
  await form.getByRole('button', { name: 'Save limits' }).click();
  await eventually('the row to show no limits', async () =>
    (await queueRow(page, 'reports').getByTestId('queue-limits').count()) === 0);
  const cleared = await queueInfo('reports');
  assert.deepEqual([cleared.concurrency, cleared.rate_limit], [null, null]);
  const audit = await auditActions();
  const limits = audit.filter((e) => e.action === 'queues.limits' && e.target === 'queue reports');
  assert.deepEqual(limits.slice(0, 2).map((e) => e.detail), ['no limits', 'concurrency 2, 30 starts per 60 s']);
});

test('pausing a kind stops the worker claiming it while other kinds run; resuming lets it run', async () => {
  const { page } = b;
  const row = page.locator('[data-testid="kinds-table"] tr[data-kind="noop"]');
  await row.getByRole('button', { name: 'Pause kind noop' }).click();
  await page.locator('[data-testid="kinds-table"] tr[data-kind="noop"][data-paused="true"]').waitFor();
  await row.getByText('by olivia.operator').waitFor();
  assert.equal((await kindInfo('noop')).paused, true);
  await sleep(SETTINGS_MS);

  const [held] = await enqueue(admin, [{ queue: 'default', kind: 'noop', payload: { e2e: 'kind-paused-31' } }]);
  const [other] = await enqueue(admin, [{ queue: 'default', kind: 'sleep', payload: { ms: 10 } }]);
  await jobsReach(admin, [other], 'completed');
  await sleep(1_000);
  assert.equal((await getJob(admin, held)).job.state, 'available', 'a paused kind waits');
  await screenshot(page, '31-kind-paused');

  await page.locator('[data-testid="kinds-table"] tr[data-kind="noop"]')
    .getByRole('button', { name: 'Resume kind noop' }).click();
  await page.locator('[data-testid="kinds-table"] tr[data-kind="noop"][data-paused="false"]').waitFor();
  await jobsReach(admin, [held], 'completed', 15_000);
  const actions = (await auditActions()).map((e) => `${e.action} ${e.target}`);
  assert.deepEqual(actions.slice(0, 2), ['kinds.resume kind noop', 'kinds.pause kind noop']);
});

test('quieting the worker from the Workers page stops its claims until it is resumed', async () => {
  const { page } = b;
  await openFromNav(page, 'Workers');
  const [worker] = (await ok(admin, 'GET', '/api/workers')).filter((w) => w.alive);
  const row = page.locator(`[data-testid="workers-table"] tr[data-worker="${worker.id}"]`);
  await row.getByRole('button', { name: `Quiet worker ${worker.id}` }).click();
  await page.locator(`[data-testid="workers-table"] tr[data-worker="${worker.id}"][data-status="quiet"]`).waitFor();
  assert.equal(await row.getByTestId('worker-status').textContent(), 'quiet');
  await sleep(HEARTBEAT_MS);

  const [waiting] = await enqueue(admin, [{ queue: 'default', kind: 'sleep', payload: { ms: 10 } }]);
  await sleep(3_000);
  assert.equal((await getJob(admin, waiting)).job.state, 'available', 'a quiet worker claims nothing');
  const listed = (await ok(admin, 'GET', '/api/workers')).find((w) => w.id === worker.id);
  assert.equal(listed.command, 'quiet');
  assert.equal(listed.alive, true, 'a quiet worker keeps its heartbeat');
  await screenshot(page, '31-worker-quiet');

  // Stop asks for confirmation; cancelling leaves the worker as it was.
  await row.getByRole('button', { name: `Stop worker ${worker.id}` }).click();
  await dialog(page).getByText('hands back the rest unspent').waitFor();
  await dialog(page).getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await ok(admin, 'GET', '/api/workers')).find((w) => w.id === worker.id).command, 'quiet');

  await row.getByRole('button', { name: `Resume worker ${worker.id}` }).click();
  await page.locator(`[data-testid="workers-table"] tr[data-worker="${worker.id}"][data-status="alive"]`).waitFor();
  await jobsReach(admin, [waiting], 'completed', 15_000);
  const actions = (await auditActions()).map((e) => `${e.action} ${e.target}`);
  assert.deepEqual(actions.slice(0, 2), [`workers.resume worker ${worker.id}`, `workers.quiet worker ${worker.id}`]);
});

test('no errors on the page', () => noPageErrors(b.errors));
