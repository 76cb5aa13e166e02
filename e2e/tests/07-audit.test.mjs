// The audit log: newest first, filtered by action in the URL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFromNav, signIn } from '../lib/act.mjs';
import { eventually, login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';

let b;
before(async () => {
  const operator = await login('operator');
  await ok(operator, 'POST', '/api/queues/reports/pause');
  await ok(operator, 'POST', '/api/queues/reports/resume');
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

const rows = (page) => page.locator('[data-testid="audit-table"] tbody tr');

test('the audit log lists actions newest first, as the API does', async () => {
  const { page } = b;
  await openFromNav(page, 'Audit', 'Audit log');
  const api = await ok(await login('admin'), 'GET', '/api/audit?limit=50');
  await eventually('the table to list the newest entries', async () => {
    const ids = await rows(page).evaluateAll((rs) => rs.map((r) => Number(r.dataset.auditId)));
    return ids.length > 0 && ids[0] >= api.entries[0].id && ids.every((id, i) => i === 0 || id < ids[i - 1]);
  });
  await screenshot(page, '11-audit');
});

test('filtering by action keeps only that action, in the URL', async () => {
  const { page } = b;
  await page.getByLabel('Action').fill('queues.resume');
  await page.getByLabel('Action').press('Enter');
  await page.waitForURL(/\/audit\?action=queues\.resume$/);
  await eventually('only queues.resume entries', async () => {
    const actions = await rows(page).evaluateAll((rs) => rs.map((r) => r.children[2].textContent));
    return actions.length > 0 && actions.every((a) => a === 'queues.resume');
  });
  const first = rows(page).first();
  assert.match(await first.textContent(), /olivia\.operator/);
  assert.match(await first.textContent(), /queue reports/);
});

test('no errors on the page', () => noPageErrors(b.errors));
