/**
 * The server secret keys pseudonyms and signs short-lived cookies. It comes
 * from TOKENBOARD_SECRET when set (several instances must share it), else it
 * is generated once and kept in the store.
 */
import { createHmac, randomBytes } from 'node:crypto';
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
