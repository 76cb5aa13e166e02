// A dataset's page: one identifier's Zenodo copies and Merritt submissions together, reached
// from a copy's page, a submission's page and a replication job's page; each row links to
// its copy, submission and job. An identifier with neither says so.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signIn } from '../lib/act.mjs';
import { copiesReach, getCopy, login, requestCopy, submissionsReach, submitToMerritt } from '../lib/api.mjs';
import { open } from '../lib/browser.mjs';
import { noPageErrors, screenshot } from '../lib/check.mjs';
import { sourceFile } from '../lib/sim.mjs';

const RUN = Date.now().toString(36);
const IDENT = `doi:10.5061/dryad.ds${RUN}`;
let b;
let copies;
let sub;
let jobId;

before(async () => {
  const admin = await login('admin');
  const files = [await sourceFile('transect.csv', 7_000, 331), await sourceFile('notes.txt', 1_500, 332)];
  copies = [];
  copies.push((await requestCopy(admin, { identifier: IDENT, resourceId: 3301, files })).id);
  copies.push((await requestCopy(admin, { identifier: IDENT, resourceId: 3302, files: [files[0]] })).id);
  sub = (await submitToMerritt(admin, { identifier: IDENT, resourceId: 3301, files })).id;
  // Another dataset whose identifier starts the same: not on this dataset's page.
  await requestCopy(admin, { identifier: `${IDENT}x`, resourceId: 3303, files: [files[1]] });
  await copiesReach(admin, copies, 'finished');
  await submissionsReach(admin, [sub], 'completed');
  jobId = (await getCopy(admin, copies[0])).copy.job_id;
  b = await open();
  await signIn(b.page, 'viewer');
});
after(() => b?.close());

const rowIds = (page, table, attr) =>
  page.locator(`[data-testid="${table}"] tbody tr`).evaluateAll((rows, a) => rows.map((r) => Number(r.getAttribute(a))), attr);

test('a copy\'s page links to its dataset, which lists its copies and its submission', async () => {
  const { page } = b;
  await page.goto(`/zenodo/copies/${copies[0]}`);
  await page.getByTestId('copy-summary').getByTestId('dataset-link').click();
  await page.waitForURL(/\/datasets\//);
  assert.equal(decodeURIComponent(new URL(page.url()).pathname.slice('/datasets/'.length)), IDENT);
  await page.getByRole('heading', { level: 1, name: new RegExp('Dataset') }).waitFor();
  assert.equal(await page.getByTestId('dataset-identifier').textContent(), IDENT);
  await page.locator('[data-testid="dataset-copies"] tbody tr').first().waitFor();
  assert.deepEqual(await rowIds(page, 'dataset-copies', 'data-copy-id'), copies, 'its copies, oldest first, no other dataset\'s');
  assert.deepEqual(await rowIds(page, 'dataset-submissions', 'data-submission-id'), [sub]);
  assert.equal(await page.getByTestId('dataset-copies-count').textContent(), '2 copies');
  assert.equal(await page.getByTestId('dataset-submissions-count').textContent(), '1 submission');
  const subRow = page.locator(`[data-testid="dataset-submissions"] tr[data-submission-id="${sub}"]`);
  assert.equal(await subRow.getAttribute('data-state'), 'completed');
  assert.match(await subRow.textContent(), /8\.5 kB/, "its size: the bytes of its two files");
  await screenshot(page, '92-dataset');
});

test('its rows lead to the submission\'s page, which links back to the dataset', async () => {
  const { page } = b;
  await page.locator(`[data-testid="dataset-submissions"] tr[data-submission-id="${sub}"]`).getByRole('link', { name: `#${sub}` }).click();
  await page.waitForURL(`**/merritt/submissions/${sub}`);
  await page.getByTestId('submission-summary').getByTestId('dataset-link').click();
  await page.waitForURL(/\/datasets\//);
  await page.locator(`[data-testid="dataset-copies"] tr[data-copy-id="${copies[1]}"]`).getByRole('link', { name: `#${copies[1]}` }).click();
  await page.waitForURL(`**/zenodo/copies/${copies[1]}`);
});

test('a replication job\'s page names its dataset, linked', async () => {
  const { page } = b;
  await page.goto(`/jobs/${jobId}`);
  const link = page.getByTestId('job-summary').getByTestId('dataset-link');
  await link.waitFor();
  assert.equal(await link.textContent(), IDENT);
  await link.click();
  await page.waitForURL(/\/datasets\//);
  await page.locator(`[data-testid="dataset-copies"] tr[data-copy-id="${copies[0]}"]`).waitFor();
});

test('an identifier with no copy and no submission says so', async () => {
  const { page } = b;
  await page.goto(`/datasets/${encodeURIComponent(`doi:10.5061/dryad.none${RUN}`)}`);
  await page.getByRole('alert').filter({ hasText: 'no Zenodo copy and no Merritt submission' }).waitFor();
});

test('no errors on the page', () => noPageErrors(b.errors));
