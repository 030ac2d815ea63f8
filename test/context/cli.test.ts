import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckinText, runCheckin, TEMPLATE, type CheckinOptions } from '../../src/cli/commands/checkin.js';
import { ben, makeWorld, PLATFORM, serveTestApp, WEEK, type World } from './world.js';

describe('tokenboard checkin', () => {
  let w: World;
  let url: string;
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    w = await makeWorld();
    server = await serveTestApp(w);
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
    await w.close();
  });

  const run = async (over: Partial<CheckinOptions>, stdin = '', env: NodeJS.ProcessEnv = {}, tty = false) => {
    const out: string[] = [];
    const err: string[] = [];
    const s = Object.assign(Readable.from([stdin]), { isTTY: tty });
    const code = await runCheckin({ server: url, token: 'test:member:ana@example.com', visibility: 'team', week: WEEK, ...over }, { stdin: s, out: (x) => out.push(x), err: (x) => err.push(x), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('posts flags to the server and the check-in reaches the team feed', async () => {
    const r = await run({ tried: 'Claude Code for the changelog', learned: 'keep diffs small', tag: ['docs,release'] });
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(new RegExp(`^check-in #\\d+ for the week of ${WEEK}: shared with ${PLATFORM}$`));
    const feed = await w.context.feed(ben, { feed: 'team', tag: ['release'], limit: 10 } as never);
    expect(feed.map((e) => e.checkin?.learned)).toEqual(['keep diffs small']);
  });

  it('reads sections from stdin', async () => {
    const text = '## Tried\nAgent for test data\n\n## Team\nShared the prompt\n## Learned\nFaker was simpler\n## Tags\nfailed-fast, data\n';
    const r = await run({ json: true }, text);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ checkin: { tried: 'Agent for test data', triedForTeam: 'Shared the prompt', learned: 'Faker was simpler' }, tags: ['data', 'failed-fast'] });
  });

  it('opens $EDITOR on the template when there are no flags and stdin is a terminal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-editor-'));
    const editor = path.join(dir, 'editor.sh');
    fs.writeFileSync(editor, `#!/bin/sh\nsed -i 's/^## Learned$/## Learned\\nWritten in the editor/' "$1"\n`, { mode: 0o755 });
    const r = await run({ json: true, visibility: 'private' }, '', { EDITOR: editor, PATH: process.env.PATH }, true);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ visibility: 'private', checkin: { learned: 'Written in the editor' } });
  });

  it('reports server refusals, bad sections with their line, and missing tokens', async () => {
    const long = await run({ learned: 'x'.repeat(5000) });
    expect(long).toMatchObject({ code: 1 });
    expect(long.err).toContain('400 invalid learned: must be at most 4000 characters');
    const bad = await run({}, '## Tried\nok\n## Feelings\nnope\n');
    expect(bad).toMatchObject({ code: 2, err: 'tokenboard checkin: stdin:3: unknown section "Feelings"; expected one of Tried, Team, Company, Learned, Tags' });
    expect((await run({ tried: 'x', token: undefined })).code).toBe(2);
    expect((await run({}, TEMPLATE)).err).toContain('nothing to post');
  });

  it('treats plain text without sections as what was learned', () => {
    expect(parseCheckinText('  one thing\n', 'stdin')).toEqual({ learned: 'one thing' });
  });
});
