/**
 * Entry point of `tokenboard usage`, built by scripts/bundle-cli.mjs into one
 * file (dist/bundle/usage.js) with its dependencies inlined: Node then compiles
 * one module instead of resolving and loading about a hundred, which was a
 * third of a whole report's time. bin/tokenboard.js uses it for `usage` when
 * it exists; every other command, and `usage` without a build, go through main.ts.
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerUsage } from './commands/usage.js';

export async function main(argv = process.argv): Promise<void> {
  const program = new Command().name('tokenboard').version(VERSION);
  registerUsage(program);
  await program.parseAsync(argv);
}
