import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { storeContract } from './contract.js';
import { ev, prep } from '../support/events.js';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-store-')), 'db.sqlite');
storeContract('sqlite (file)', async () => new SqliteStore({ file: tmpFile() }));
// Whole days answered by SQL over the fact and cube tables instead of the in-memory fact engine: the reference.
storeContract('sqlite (file, whole days by SQL)', async () => new SqliteStore({ file: tmpFile(), factReads: 'sql' }));

describe('sqlite store specifics', () => {
  it('applies migrations once and keeps data across reopen', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-store-')), 'db.sqlite');
    const a = new SqliteStore({ file });
    await a.ingest([prep(ev({ n: 1 }))]);
    await a.close();
    const b = new SqliteStore({ file });
    expect((await b.rawTotals()).events).toBe(1);
    expect(await b.ingest([prep(ev({ n: 1 }))])).toEqual({ accepted: 0, duplicates: 1 });
    expect(b.db.prepare('SELECT count(*) FROM _migration').pluck().get()).toBeGreaterThan(0);
    expect(b.db.pragma('journal_mode', { simple: true })).toBe('wal');
    await b.close();
  });
});
