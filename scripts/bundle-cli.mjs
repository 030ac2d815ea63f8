/**
 * Bundle the `tokenboard usage` path (src/cli/usage-main.ts and the log-reading
 * worker) into dist/bundle with esbuild: dependencies inlined, one shared chunk,
 * worker.js beside it so `new URL('./worker.js', import.meta.url)` finds it.
 * Run by `npm run build` after tsc; `node scripts/bundle-cli.mjs DIR` writes elsewhere (tests).
 */
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Large data literals compile slower than the same data given to JSON.parse as a string (V8 parses
 * JSON about twice as fast and skips the code for it): the bundled price catalogue snapshot is
 * turned into a JSON.parse call. genai-prices' own provider table (480 KB) is left out: the
 * catalogue hands the library the snapshot instead (src/pricing/catalogue.ts).
 */
const dataAsJson = {
  name: 'data-as-json',
  setup(b) {
    b.onLoad({ filter: /\.snapshot\.json$/ }, (args) => ({
      contents: `export default JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
    b.onLoad({ filter: /@pydantic[\\/]genai-prices[\\/]dist[\\/]index\.js$/ }, (args) => {
      // The library's built-in provider table is replaced by the catalogue snapshot when
      // src/pricing/catalogue.ts loads (updatePrices), so the bundle leaves it out.
      const src = readFileSync(args.path, 'utf8');
      const head = 'const E = [';
      const end = src.indexOf('\n], J = {');
      if (!src.startsWith(head) || end < 0) throw new Error(`${args.path}: unexpected layout; update scripts/bundle-cli.mjs`);
      return { contents: `const E = []${src.slice(end + 2)}`, loader: 'js' };
    });
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      // commander loads child_process (with net and dgram, ~7 ms of every start) for executable
      // subcommands, which tokenboard does not have: load it only if one is ever spawned.
      const src = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!src.includes(eager)) throw new Error(`${args.path}: unexpected layout; update scripts/bundle-cli.mjs`);
      return { contents: src.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};

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
  plugins: [dataAsJson],
  // CommonJS dependencies (cli-table3) call require() for Node built-ins.
  banner: { js: "import { createRequire as __tbRequire } from 'node:module'; const require = __tbRequire(import.meta.url);" },
});
