/**
 * The server secret keys pseudonyms and signs short-lived cookies. It comes
 * from TOKENBOARD_SECRET when set (several instances must share it), else it
 * is generated once and kept in the store.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Store } from '../store/types.js';

const META_KEY = 'governance.secret';

export async function serverSecret(store: Store, fromEnv = process.env.TOKENBOARD_SECRET): Promise<Buffer> {
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('TOKENBOARD_SECRET must be at least 32 characters');
    return Buffer.from(fromEnv, 'utf8');
  }
  const kept = await store.getMeta(META_KEY);
  if (kept) return Buffer.from(kept, 'base64');
  const fresh = randomBytes(32);
  await store.setMeta(META_KEY, fresh.toString('base64'));
  return Buffer.from((await store.getMeta(META_KEY))!, 'base64');
}

/**
 * A keyed pseudonym: HMAC-SHA256 of the email under the server secret. A plain
 * hash of the email could be reversed by hashing the staff list; without the
 * secret this cannot.
 */
export function pseudonym(secret: Buffer, email: string): string {
  const mac = createHmac('sha256', secret).update('tokenboard/pseudonym/v1\0').update(email.trim().toLowerCase()).digest();
  return `anon-${mac.subarray(0, 6).toString('hex')}`;
}

const sealKey = (secret: Buffer) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tokenboard/sealed-secrets/v1', 32));

/**
 * Encrypt a secret for storage (provider admin keys, OIDC client secrets):
 * AES-256-GCM under a key derived from the server secret. Returns `v1.<base64url>`.
 *
 *   const sealed = sealSecret(await serverSecret(store), 'sk-admin-...');
 *   openSecret(await serverSecret(store), sealed) === 'sk-admin-...'
 */
export function sealSecret(secret: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** Decrypt what sealSecret produced; throws when it was altered or sealed under another server secret. */
export function openSecret(secret: Buffer, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('not a sealed secret');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
