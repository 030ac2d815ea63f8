/**
 * The `tokenboard` command line. Each command lives in src/cli/commands and is
 * loaded only when it runs (or for --help), so `tokenboard usage` does not pay
 * for loading the server.
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';

type Registrar = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<Registrar>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  directory: async () => (await import('./commands/directory.js')).registerDirectory,
  checkin: async () => (await import('./commands/checkin.js')).registerCheckin,
  usage: async () => (await import('./commands/usage.js')).registerUsage,
  collect: async () => (await import('./commands/collect.js')).registerCollect,
};

export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command()
    .name('tokenboard')
    .description('Self-hosted AI-usage analytics: every LLM token, attributed, priced, private by construction.')
    .version(VERSION);
  const names = only && COMMANDS[only] ? [only] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  if (!first && argv.slice(2).some((a) => a === '-V' || a === '--version')) {
    console.log(VERSION);
    return;
  }
  await (await buildProgram(first)).parseAsync(argv);
}
