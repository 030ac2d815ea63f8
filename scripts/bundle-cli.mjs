/**
 * Bundle the `tokenboard usage` path (src/cli/usage-main.ts and the log-reading
 * worker) into dist/bundle with esbuild: dependencies inlined, one shared chunk,
 * worker.js beside it so `new URL('./worker.js', import.meta.url)` finds it.
 * Run by `npm run build` after tsc; `node scripts/bundle-cli.mjs DIR` writes elsewhere (tests).
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist/bundle';
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { usage: 'src/cli/usage-main.ts', worker: 'src/sources/local/worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (cli-table3) call require() for Node built-ins.
  banner: { js: "import { createRequire as __tbRequire } from 'node:module'; const require = __tbRequire(import.meta.url);" },
});
