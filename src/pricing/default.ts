/** The default pricer: the bundled catalogue snapshot, no overrides (they load from the store). */
import { Catalogue } from './catalogue.js';
import { CataloguePricer } from './catalogue-pricer.js';
import type { Pricer } from './pricer.js';

let shared: Catalogue | undefined;

export function defaultPricer(): Pricer & CataloguePricer {
  shared ??= new Catalogue();
  return new CataloguePricer(shared);
}
