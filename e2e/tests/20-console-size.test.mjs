// The bytes a browser downloads to start the console: the compressed wasm and js as they
// cross the wire (recorded in metrics.json and held to the 400 KB budget), and none at all
// for them on the next visit (content-hashed files are cached for good).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { open } from '../lib/browser.mjs';
import { noPageErrors, recordMetric } from '../lib/check.mjs';

const BUDGET_BYTES = 400 * 1024;

let b;
before(async () => { b = await open(); });
after(() => b?.close());

test('a first visit downloads at most 400 KB of wasm and js, compressed', async () => {
  const { page, errors } = b;
  const responses = [];
  page.on('response', (r) => responses.push(r));
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();

  const files = {};
  for (const r of responses) {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/')) continue;
    const sizes = await r.request().sizes();
    files[url.pathname] = {
      status: r.status(),
      encoding: r.headers()['content-encoding'] ?? 'identity',
      body_bytes: sizes.responseBodySize,
      headers_bytes: sizes.responseHeadersSize,
      cache_control: r.headers()['cache-control'],
    };
  }
  const find = (ext) => Object.entries(files).find(([p]) => p.endsWith(ext));
  const [wasmPath, wasm] = find('.wasm') ?? assert.fail(`no wasm downloaded: ${JSON.stringify(files)}`);
  const [jsPath, js] = find('.js') ?? assert.fail(`no script downloaded: ${JSON.stringify(files)}`);
  for (const [p, f] of [[wasmPath, wasm], [jsPath, js]]) {
    assert.equal(f.status, 200, p);
    assert.notEqual(f.encoding, 'identity', `${p} came uncompressed`);
    assert.match(f.cache_control, /immutable/, p);
  }
  const onTheWire = wasm.body_bytes + js.body_bytes;
  const total = Object.values(files).reduce((n, f) => n + f.body_bytes + f.headers_bytes, 0);
  recordMetric('console_first_visit', {
    wasm_and_js_bytes: onTheWire,
    all_bytes_with_headers: total,
    budget_bytes: BUDGET_BYTES,
    files,
  });
  assert.ok(onTheWire <= BUDGET_BYTES, `wasm + js: ${onTheWire} bytes on the wire > ${BUDGET_BYTES}`);
  noPageErrors(errors);
});

test('the next visit takes the wasm and js from the browser cache', async () => {
  const { page, errors } = b;
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const entries = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => ({ name: new URL(e.name).pathname, transferSize: e.transferSize })));
  const cached = entries.filter((e) => /\.(wasm|js)$/.test(e.name));
  assert.ok(cached.length >= 2, JSON.stringify(entries));
  for (const e of cached) assert.equal(e.transferSize, 0, `${e.name} was downloaded again`);
  noPageErrors(errors);
});
