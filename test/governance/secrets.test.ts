/** Secrets kept at rest (provider admin keys) are sealed under the server secret. */
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret, serverSecret } from '../../src/governance/secret.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

describe('sealed secrets', () => {
  it('round-trips, hides the plaintext, and refuses tampering or another server secret', async () => {
    const store = new SqliteStore({ file: ':memory:' });
    const secret = await serverSecret(store, undefined);
    expect(await serverSecret(store, undefined)).toEqual(secret); // generated once, then kept
    const key = 'sk-admin-0123456789abcdefghijklmnop';
    const sealed = sealSecret(secret, key);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('sk-admin');
    expect(sealSecret(secret, key)).not.toBe(sealed); // fresh IV each time
    expect(openSecret(secret, sealed)).toBe(key);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => openSecret(secret, `v1.${raw.toString('base64url')}`)).toThrow();
    expect(() => openSecret(Buffer.alloc(32, 7), sealed)).toThrow();
    await expect(serverSecret(store, 'too-short')).rejects.toThrow(/at least 32/);
  });
});
