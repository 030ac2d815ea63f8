#!/usr/bin/env node
import { existsSync } from 'node:fs';

// A reader that stops early (`tokenboard usage daily | head`) closes the pipe: not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

// `usage` runs from its one-file bundle when the build made it (startup is a large part of a report).
const bundle = new URL('../dist/bundle/usage.js', import.meta.url);
const entry = process.argv[2] === 'usage' && existsSync(bundle) ? bundle.href : '../dist/cli/main.js';
const { main } = await import(entry);

main().catch((err) => {
  console.error(`tokenboard: ${err?.message ?? err}`);
  process.exit(1);
});
