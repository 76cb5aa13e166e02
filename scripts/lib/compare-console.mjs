// Compares two builds of the console (scripts/build-console's output): the same file names,
// the same bytes, and compressed variants that decompress to the same bytes (a brotli or
// zlib of another Node version may write other, equally valid, bytes). Exits 1 and names
// every difference.
//
//   node scripts/lib/compare-console.mjs FRESH_DIR COMMITTED_DIR
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [fresh, committed] = process.argv.slice(2);
const names = (dir) => fs.readdirSync(dir).sort();
const differences = [];

const a = names(fresh);
const b = names(committed);
for (const n of a.filter((n) => !b.includes(n))) differences.push(`${n}: only in the fresh build`);
for (const n of b.filter((n) => !a.includes(n))) differences.push(`${n}: only in ${committed}`);

const decoded = (file) => {
  const raw = fs.readFileSync(file);
  if (file.endsWith('.br')) return zlib.brotliDecompressSync(raw);
  if (file.endsWith('.gz')) return zlib.gunzipSync(raw);
  return raw;
};
for (const n of a.filter((n) => b.includes(n))) {
  if (n === 'SOURCES') {
    // The tools line may name another Node; the list of inputs must be the same.
    const inputs = (dir) => fs.readFileSync(path.join(dir, n), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    if (inputs(fresh) !== inputs(committed)) differences.push(`${n}: other inputs`);
    continue;
  }
  if (!decoded(path.join(fresh, n)).equals(decoded(path.join(committed, n)))) differences.push(`${n}: other bytes`);
}

if (differences.length) {
  console.error(`the console built from the sources differs from ${committed}:`);
  for (const d of differences) console.error(`  ${d}`);
  process.exit(1);
}
console.error(`the console built from the sources is byte for byte ${committed}`);
