// Writes FILE.br (brotli, best) and FILE.gz (gzip -9) beside each FILE given, for the
// server to send to browsers that accept them. Node's own zlib: no other tool needed, and
// the same Node version always writes the same bytes (the gzip header holds no time).
//
//   node scripts/lib/compress.mjs FILE...
import fs from 'node:fs';
import zlib from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const raw = fs.readFileSync(file);
  const text = /\.(html|js|css|json|svg|txt)$/.test(file);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  }));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(raw, { level: 9 }));
}
