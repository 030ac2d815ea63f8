/**
 * Unattributed usage: identities (emails, key ids, account ids) that resolve to
 * no person and no service. They name individuals, so only a viewer who may
 * see individuals, or an admin fixing attribution, gets them.
 */
import type { UnattributedRow } from '../domain/directory.js';
import type { Store } from '../store/types.js';
import { maySeeIndividuals, PolicyError, type Viewer } from './policy.js';

export async function unattributedUsage(store: Store, viewer: Viewer, q: { from: number; to: number; limit?: number }): Promise<UnattributedRow[]> {
  // Fixing attribution is directory administration: admins list them (the route needs directory:write).
  if (viewer.role !== 'admin' && !maySeeIndividuals(viewer)) throw new PolicyError(`unattributed identities name individuals; your role (${viewer.role}) may not list them`);
  return store.unattributedUsage(q.from, q.to, q.limit);
}
