#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main().catch((err) => {
  console.error(`tokenboard: ${err?.message ?? err}`);
  process.exit(1);
});
