// Where the system under test runs and who may sign in (set by scripts/e2e).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with scripts/e2e`);
  return v;
}

export const BASE_URL = required('LONGJOBS_E2E_URL').replace(/\/$/, '');
/** The simulator the worker replicates to: Zenodo, Merritt, the file source and /admin. */
export const SIM_URL = required('LONGJOBS_E2E_SIM_URL').replace(/\/$/, '');
export const ARTIFACTS = process.env.LONGJOBS_E2E_ARTIFACTS ?? path.resolve(here, '..', 'artifacts');
export const CHROMIUM = process.env.LONGJOBS_E2E_CHROMIUM ?? '/usr/bin/chromium';

export const USERS = {
  admin: { username: 'admin', password: required('LONGJOBS_E2E_ADMIN_PASSWORD') },
  operator: { username: 'olivia.operator', password: 'operator-password-e2e' },
  viewer: { username: 'victor.viewer', password: 'viewer-password-e2e' },
};
