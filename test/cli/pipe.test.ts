/** The CLI as a shell pipeline uses it: a reader that stops early closes the pipe, and that is not a crash. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/tokenboard.js');
const FIXTURES = path.resolve('test/fixtures/claude-code');

describe('tokenboard writing into a closed pipe (`| head`)', () => {
  it('exits quietly with status 0, no stack trace', async () => {
    const p = spawn(process.execPath, [BIN, 'usage', 'daily', '--json', '--no-cache', '--source', 'claude-code'], {
      env: { ...process.env, TZ: 'UTC', HOME: '/nonexistent-home', CLAUDE_CONFIG_DIR: `${FIXTURES}/config-a,${FIXTURES}/config-b` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.destroy(); // the reader is gone before the report is printed
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /); // the fixtures' malformed-line warnings are fine
    expect(code).toBe(0);
  });
});
