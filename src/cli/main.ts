/** The `tokenboard` command line. Each command lives in src/cli/commands. */
import { Command } from 'commander';
import { VERSION } from '../server/start.js';
import { registerServe } from './commands/serve.js';
import { registerDemo } from './commands/demo.js';
import { registerDirectory } from './commands/directory.js';
import { registerCheckin } from './commands/checkin.js';
import { registerUsage } from './commands/usage.js';
import { registerCollect } from './commands/collect.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('tokenboard')
    .description('Self-hosted AI-usage analytics: every LLM token, attributed, priced, private by construction.')
    .version(VERSION);
  registerServe(program);
  registerDemo(program);
  registerDirectory(program);
  registerCheckin(program);
  registerUsage(program);
  registerCollect(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
