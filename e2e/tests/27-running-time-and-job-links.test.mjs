// Running jobs say how long they have been running (jobs table and job page), and a
// replication job's page links to the copy or submission it works on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { login, ok } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors } from '../lib/check.mjs';

let b;
let admin;
before(async () => {
  admin = await login('admin');
  b = await open();
  await signIn(b.page, 'admin');
});
after(() => b?.close());

test('running jobs show how long they have been running, counting on their page', async () => {
  const { page } = b;
  await page.goto('/jobs?state=running');
  const running = page.locator('[data-testid="jobs-table"] tbody tr[data-state="running"]');
  await running.first().waitFor();
  await running.first().getByTestId('running-for').filter({ hasText: /^running for \d+ (s|min \d+ s)$/ }).waitFor();
  assert.equal(await page.locator('[data-testid="jobs-table"] tbody tr:not([data-state="running"]) [data-testid="running-for"]').count(), 0);
  const id = await running.first().getAttribute('data-job-id');
  await page.goto(`/jobs/${id}`);
  const since = page.locator('.subtitle').getByTestId('running-for');
  const first = await since.textContent();
  assert.match(first, /^running for /);
  await page.waitForFunction((t) => document.querySelector('.subtitle [data-testid="running-for"]')?.textContent !== t, first);
});

test('a Zenodo copy job links to its copy, a Merritt job to its submission', async () => {
  const { page } = b;
  for (const [kind, key, heading] of [['zenodo.copy', 'copy_id', 'Copy #'], ['merritt.submit', 'submission_id', 'Submission #']]) {
    const [job] = (await ok(admin, 'GET', `/api/jobs?kind=${kind}&limit=1`)).jobs;
    assert.ok(job, `a seeded ${kind} job`);
    const detail = await ok(admin, 'GET', `/api/jobs/${job.id}`);
    const target = detail.payload[key];
    await page.goto(`/jobs/${job.id}`);
    const link = page.getByTestId('job-subject');
    await link.waitFor();
    assert.match(await link.textContent(), new RegExp(`#${target}$`));
    await link.click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`${heading}${target}\\b`) }).waitFor();
  }
});

test('audit targets link to their page and id lists read as text', async () => {
  const { page } = b;
  const operator = await login('operator');
  const [job] = (await ok(admin, 'GET', '/api/jobs?state=discarded&limit=1')).jobs;
  await ok(operator, 'POST', `/api/jobs/${job.id}/retry`);
  await page.goto('/audit?action=jobs.retry');
  const row = page.locator('[data-testid="audit-table"] tbody tr').filter({ hasText: `job ${job.id}` }).first();
  const link = row.getByTestId('audit-target');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `/jobs/${job.id}`);
  const text = await page.locator('[data-testid="audit-table"] tbody').textContent();
  assert.doesNotMatch(text, /\[\d+(, \d+)*\]/, 'no id list reads as a JSON array');
  await link.click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`Job #${job.id}\\b`) }).waitFor();
});

test('no errors on the page', () => noPageErrors(b.errors));
