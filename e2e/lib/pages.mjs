// Every page of the console, for the suites that visit them all (accessibility, themes,
// narrow screens): the path and a name, detail pages at a seeded job, copy, submission and
// dataset.
import { login, ok } from './api.mjs';

/** [name, path] of every signed-in page; the detail pages show the first seeded item. */
export async function everyPage() {
  const admin = await login('admin');
  const [job] = (await ok(admin, 'GET', '/api/jobs?state=discarded&limit=1')).jobs;
  const [copy] = (await ok(admin, 'GET', '/api/zenodo/copies?limit=1')).copies;
  const [sub] = (await ok(admin, 'GET', '/api/merritt/submissions?limit=1')).submissions;
  return [
    ['dashboard', '/'],
    ['jobs', '/jobs'],
    ['job', `/jobs/${job.id}`],
    ['zenodo', '/zenodo'],
    ['zenodo-copy', `/zenodo/copies/${copy.id}`],
    ['merritt', '/merritt'],
    ['merritt-submission', `/merritt/submissions/${sub.id}`],
    ['dataset', `/datasets/${encodeURIComponent(sub.identifier)}`],
    ['maintenance', '/maintenance'],
    ['queues', '/queues'],
    ['periodic', '/periodic'],
    ['workers', '/workers'],
    ['audit', '/audit'],
    ['admin', '/admin'],
  ];
}

/** Opens `path` and waits for its heading and its first answers to render. */
export async function visit(page, path) {
  await page.goto(path);
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => {});
  await page.waitForTimeout(200);
}
