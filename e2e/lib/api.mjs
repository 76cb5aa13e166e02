// Direct API calls: seeding, and checking what the console shows against the server's truth.
import { BASE_URL, USERS } from './env.mjs';

/** One call; resolves to { status, body } whatever the status. */
export async function call(token, method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE_URL + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

/** Like `call` but throws unless the status is 2xx. */
export async function ok(token, method, path, body) {
  const r = await call(token, method, path, body);
  if (r.status < 200 || r.status > 299) {
    throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  return r.body;
}

export async function login(who = 'admin') {
  const { username, password } = USERS[who];
  const r = await ok(null, 'POST', '/api/auth/login', { username, password });
  return r.token;
}

/** Enqueues jobs; resolves to their ids in order. */
export async function enqueue(token, jobs) {
  const r = await ok(token, 'POST', '/api/jobs', { jobs });
  return r.jobs.map((j) => j.job.id);
}

export const getJob = (token, id) => ok(token, 'GET', `/api/jobs/${id}`);

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeout` ms. */
export async function eventually(what, probe, { timeout = 30_000, every = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Waits until every job in `ids` is in `state`. */
export function jobsReach(token, ids, state, timeout = 30_000) {
  return eventually(`jobs ${ids.length > 5 ? ids.length + ' jobs' : ids.join(', ')} to be ${state}`, async () => {
    for (const id of ids) {
      const d = await getJob(token, id);
      if (d.job.state !== state) return false;
    }
    return true;
  }, { timeout });
}

// --- Zenodo copies and Merritt submissions ------------------------------------------------

/** Zenodo metadata that passes the API's checks. */
export const zenodoMetadata = (title) => ({
  title,
  upload_type: 'dataset',
  description: `<p>${title}, deposited by the longjobs browser tests.</p>`,
  creators: [{ name: 'Lovelace, Ada', affiliation: 'Analytical Engines' }],
  license: 'cc-zero',
  keywords: ['e2e'],
});

/** Asks for a copy (POST /api/zenodo/copies); resolves to the copy. */
export function requestCopy(token, { identifier, resourceId, copyType = 'data', files, title }) {
  return ok(token, 'POST', '/api/zenodo/copies', {
    identifier,
    resource_id: resourceId,
    copy_type: copyType,
    metadata: zenodoMetadata(title ?? `Dataset ${identifier} v${resourceId}`),
    files,
  });
}

export const getCopy = (token, id) => ok(token, 'GET', `/api/zenodo/copies/${id}`);

/** Waits until every copy in `ids` is in `state`. */
export function copiesReach(token, ids, state, timeout = 60_000) {
  return eventually(`copies ${ids.join(', ')} to be ${state}`, async () => {
    for (const id of ids) {
      const d = await getCopy(token, id);
      if (d.copy.state !== state) return false;
    }
    return true;
  }, { timeout });
}

/** Submits to Merritt (POST /api/merritt/submissions); resolves to the submission. */
export function submitToMerritt(token, { identifier, resourceId, files }) {
  return ok(token, 'POST', '/api/merritt/submissions', {
    resource_id: resourceId,
    identifier,
    files: files.map(({ url, size, md5, name }) => ({ url, size, md5, name })),
    profile: 'dryad_ingest_profile',
    submitter: 'e2e-tests',
  });
}

/** The submissions with these ids, as listed. */
export async function submissions(token, ids) {
  const all = (await ok(token, 'GET', '/api/merritt/submissions?limit=500')).submissions;
  return ids.map((id) => all.find((s) => s.id === id));
}

/** Waits until every submission in `ids` is in `state`. */
export function submissionsReach(token, ids, state, timeout = 60_000) {
  return eventually(`submissions ${ids.join(', ')} to be ${state}`, async () => {
    const subs = await submissions(token, ids);
    return subs.every((s) => s && s.state === state);
  }, { timeout });
}
