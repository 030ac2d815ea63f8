/** How an arriving identity is named, shared by every store. */
import type { UsageEvent } from '../domain/event.js';

/** Alias kinds other than email, in the order they are tried when attributing. */
export const IDENTITY_KINDS = ['email', 'accountId', 'userId', 'apiKeyId', 'machineId'] as const;

/** One stable string per identity tuple, e.g. `email:ana@example.com|account:acc_1`. */
export function identityCanonical(identity: UsageEvent['identity']): string {
  const parts: string[] = [];
  if (identity.email) parts.push(`email:${identity.email}`);
  if (identity.accountId) parts.push(`account:${identity.accountId}`);
  if (identity.userId) parts.push(`user:${identity.userId}`);
  if (identity.apiKeyId) parts.push(`apikey:${identity.apiKeyId}`);
  if (identity.machineId) parts.push(`machine:${identity.machineId}`);
  return parts.length ? parts.join('|') : 'anonymous';
}
