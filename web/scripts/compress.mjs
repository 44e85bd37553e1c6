// Pre-compresses the built front end (brotli and gzip, best levels) so the server sends the smallest
// file the browser accepts without compressing anything per request. Node's own zlib does both.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = new URL('../../src/Therese.Server/wwwroot/', import.meta.url).pathname;
const compressible = new Set(['.js', '.css', '.html', '.svg', '.json', '.txt', '.map']);

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

let count = 0;
for await (const path of files(root)) {
  if (!compressible.has(extname(path)) || (await stat(path)).size < 1024) continue;
  const content = await readFile(path);
  await writeFile(`${path}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  await writeFile(`${path}.gz`, gzipSync(content, { level: 9 }));
  count++;
}
console.log(`compressed ${count} files (br, gz)`);
