// Swagger UI at /docs: it loads the generated spec, a person authorizes with a token, a call
// made from the page succeeds, and the authorization survives a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { login } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { screenshot } from '../lib/check.mjs';

let b;
before(async () => { b = await open(); });
after(() => b?.close());

async function tryMe(page) {
  const op = page.locator('#operations-Auth-me');
  await op.waitFor();
  if (!(await op.locator('.opblock-body').count())) await op.locator('.opblock-summary').first().click();
  const tryIt = op.locator('button.try-out__btn');
  if ((await tryIt.textContent()).trim() === 'Try it out') await tryIt.click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  return { status: (await status.textContent()).trim(), body: await op.locator('.live-responses-table .microlight').first().textContent() };
}

test('Swagger UI loads the spec and a call made from it succeeds with a bearer token', async () => {
  const { page } = b;
  await page.goto('/docs/');
  await page.locator('.swagger-ui .info .title', { hasText: 'longjobs' }).waitFor();
  assert.ok(await page.locator('#operations-Jobs-listJobs').count(), 'the jobs operations are listed');

  // Without a token the call is refused with a problem document.
  let res = await tryMe(page);
  assert.match(res.status, /^401/);
  assert.doesNotMatch(res.status, /Undocumented/, 'the 401 answer is documented in the spec');
  assert.match(res.body, /problems\/unauthorized/);

  const token = await login('admin');
  await page.locator('button.authorize').first().click();
  const modal = page.locator('.modal-ux');
  await modal.locator('input').first().fill(token);
  await modal.locator('button.modal-btn.authorize').click();
  await modal.locator('button.btn-done').click();
  res = await tryMe(page);
  assert.equal(res.status, '200');
  assert.match(res.body, /"name": "admin"/);
  await screenshot(page, '19-swagger-ui');

  // The authorization persists across a reload.
  await page.reload();
  await page.locator('.swagger-ui .info .title', { hasText: 'longjobs' }).waitFor();
  res = await tryMe(page);
  assert.equal(res.status, '200');
});
