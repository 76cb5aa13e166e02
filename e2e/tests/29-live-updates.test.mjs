// Live updates: the jobs page follows changes made through the API without reloading and
// without polling (every request it makes follows an event of the server's live stream),
// and "Paused" in the shell stops updates, says plainly that the page is not live with the
// time of the last update, and is remembered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { call, enqueue, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors } from '../lib/check.mjs';
import { BASE_URL } from '../lib/env.mjs';
import { jobRow, jobRows } from '../lib/find.mjs';

// A queue no worker serves: its jobs stay where the test puts them.
const QUEUE = 'live29';

let b;
let admin;
before(async () => {
  admin = await login('admin');
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

/** Reads GET /api/live as a second client: the time and topics of each event the server sends. */
function listen(token) {
  const events = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await fetch(`${BASE_URL}/api/live`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) return;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data:'));
        if (data) events.push({ at: Date.now(), ...JSON.parse(data.slice(5)) });
      }
    }
  })().catch((e) => {
    if (e.name !== 'AbortError') throw e;
  });
  return { events, stop: () => { abort.abort(); return done; } };
}

/** API requests the page starts (the live stream itself left out), with their time. */
function recordRequests(page) {
  const seen = [];
  const on = (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/') && url.pathname !== '/api/live') seen.push({ at: Date.now(), path: url.pathname + url.search });
  };
  page.on('request', on);
  return { seen, stop: () => page.off('request', on) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the stream needs a token', async () => {
  const r = await call(null, 'GET', '/api/live');
  assert.equal(r.status, 401);
});

test('the jobs page follows API changes without reloading, and does not poll while live', async () => {
  const { page } = b;
  const server = listen(admin);
  await page.goto(`/jobs?queue=${QUEUE}`);
  const badge = page.getByTestId('live-badge');
  await page.waitForFunction(() => document.querySelector('[data-testid="live-badge"]')?.textContent === 'Live');
  assert.equal(await page.getByTestId('live-notice').count(), 0, 'no "not live" notice while live');
  await page.evaluate(() => { window.notReloaded = true; });

  // A job enqueued through the API shows up by itself.
  const [id] = await enqueue(admin, [{ queue: QUEUE, kind: 'noop' }]);
  await jobRow(page, id).waitFor({ timeout: 10_000 });
  // And its cancellation too.
  await ok(admin, 'POST', `/api/jobs/${id}/cancel`);
  await page.waitForFunction((jobId) => /cancelled/i.test(document.querySelector(`[data-testid="jobs-table"] tbody tr[data-job-id="${jobId}"]`)?.textContent ?? ''), id, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');

  // 12 s of watching: every request the page starts follows an event the server sent (within
  // 3 s: the stream's delivery plus the refetch), so none comes from a timer. With the old 5 s
  // polling the jobs list alone would be fetched twice without any event.
  await sleep(2_000);
  const requests = recordRequests(page);
  const from = Date.now();
  await sleep(12_000);
  requests.stop();
  await server.stop();
  const events = server.events.filter((e) => e.at >= from - 3_000);
  const unexplained = requests.seen.filter((r) => !events.some((e) => e.at <= r.at + 250 && r.at - e.at <= 3_000));
  console.log(`live: ${requests.seen.length} requests and ${events.length} server events in 12 s`);
  assert.deepEqual(unexplained, [], `requests without a server event before them (events: ${JSON.stringify(events)})`);
  assert.equal(await badge.textContent(), 'Live');
  noPageErrors(b.errors);
});

test('"Paused" stops updates, says the page is not live with the last update, and is remembered', async () => {
  const { page } = b;
  await page.goto(`/jobs?queue=${QUEUE}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="live-badge"]')?.textContent === 'Live');
  // A change announced just before the pause, within the page's 2 s between refetches: its
  // refetch is still due when the user pauses, and must not run.
  await enqueue(admin, [{ queue: QUEUE, kind: 'noop' }]);
  await sleep(1_200);
  await page.getByTestId('live-mode').selectOption('paused');
  const notice = page.getByTestId('live-notice');
  await notice.waitFor();
  const before = await jobRows(page).count();
  assert.equal(await notice.getAttribute('data-state'), 'paused');
  assert.match(await notice.textContent(), /Not live: updates are paused\. Last update \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
  assert.equal(await page.getByTestId('live-badge').textContent(), 'Paused');

  // A change while paused: no request, nothing new on the page.
  const requests = recordRequests(page);
  const [id] = await enqueue(admin, [{ queue: QUEUE, kind: 'noop' }]);
  await sleep(6_000);
  requests.stop();
  assert.deepEqual(requests.seen, [], 'no requests while paused');
  assert.equal(await jobRow(page, id).count(), 0, 'the paused page did not update');
  assert.equal(await jobRows(page).count(), before);

  // Back to live: the page catches up at once and the notice goes.
  await page.getByTestId('live-mode').selectOption('live');
  await jobRow(page, id).waitFor({ timeout: 10_000 });
  await page.getByTestId('live-notice').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => localStorage.getItem('longjobs.live')), 'live');

  // The choice is remembered across a reload.
  await page.getByTestId('live-mode').selectOption('paused');
  await page.reload();
  await page.getByTestId('live-notice').waitFor();
  assert.equal(await page.getByTestId('live-mode').inputValue(), 'paused');
  await page.getByTestId('live-mode').selectOption('live');
  noPageErrors(b.errors);
});
