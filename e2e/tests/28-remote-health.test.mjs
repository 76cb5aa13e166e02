// The maintenance page says whether Zenodo and Merritt answer, from the worker's probe and
// the recent calls, as GET /api/remotes does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors } from '../lib/check.mjs';

let b;
let viewer;
before(async () => {
  viewer = await login('viewer');
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

test('the maintenance page shows each remote service with its verdict and why', async () => {
  const { page } = b;
  const remotes = await ok(viewer, 'GET', '/api/remotes');
  assert.deepEqual(remotes.map((r) => r.service), ['zenodo', 'merritt']);
  // The suite's worker probed the simulators as it started: both answer.
  for (const r of remotes) {
    assert.equal(r.probe?.ok, true, JSON.stringify(r));
  }
  await page.goto('/maintenance');
  for (const r of remotes) {
    const row = page.getByTestId(`remote-${r.service}`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-verdict'), r.verdict);
    const text = await row.textContent();
    assert.match(text, r.service === 'zenodo' ? /Zenodo: \w+ \(probe answered 2\d\d in \d+ ms/ : /Merritt: \w+ \(probe answered 2\d\d in \d+ ms/);
  }
  noPageErrors(b.errors);
});
