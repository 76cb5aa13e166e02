// The simulator the worker replicates to (scripts/e2e starts it): fault knobs, and source
// files whose size and MD5 a copy's or submission's manifest must carry.
import crypto from 'node:crypto';
import { SIM_URL } from './env.mjs';

/** Replaces the simulator's fault plan as a whole (PUT /admin/faults). */
export async function setFaults(plan) {
  const res = await fetch(`${SIM_URL}/admin/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(plan),
  });
  if (!res.ok) throw new Error(`PUT /admin/faults answered ${res.status}: ${await res.text()}`);
}

/** No faults at all. */
export const clearFaults = () => setFaults({});

/**
 * A file of the simulator's file source: `size` deterministic bytes of `seed`, fetched once
 * to compute the MD5 the manifest promises.
 */
export async function sourceFile(name, size, seed) {
  const url = `${SIM_URL}/files/${encodeURIComponent(name)}?size=${size}&seed=${seed}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  const md5 = crypto.createHash('md5').update(Buffer.from(await res.arrayBuffer())).digest('hex');
  return { name, size, md5, url };
}
