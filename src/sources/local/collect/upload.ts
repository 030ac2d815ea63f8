/** Sending spooled batches to POST /api/v1/events with retries and backoff. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Spool } from './spool.js';

export interface UploadOptions {
  server: string;
  key: string;
  /** Attempts per batch before giving up for this run (the batch stays spooled). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  log?: (s: string) => void;
  wait?: (ms: number) => Promise<unknown>;
}

export interface UploadResult {
  batches: number;
  accepted: number;
  duplicates: number;
  rejectedItems: number;
  rejectedBatches: string[];
  /** Batches still spooled because the server could not be reached. */
  left: number;
  error?: string;
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(h: string | null): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

async function post(url: string, key: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  } catch (e) {
    throw new Retryable(`cannot reach ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* a proxy's HTML error page */
  }
  if (res.status === 429 || res.status >= 500) throw new Retryable(`server answered ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
  return { status: res.status, json };
}

export async function uploadSpool(spool: Spool, o: UploadOptions): Promise<UploadResult> {
  const url = new URL('/api/v1/events', o.server).href;
  const attempts = o.attempts ?? 6;
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 30_000;
  const wait = o.wait ?? sleep;
  const r: UploadResult = { batches: 0, accepted: 0, duplicates: 0, rejectedItems: 0, rejectedBatches: [], left: 0 };
  const files = spool.pending();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const body = JSON.stringify(spool.read(file));
    let answer: { status: number; json: Record<string, unknown> } | null = null;
    for (let a = 1; a <= attempts; a++) {
      try {
        answer = await post(url, o.key, body);
        break;
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        if (a === attempts) {
          r.error = `${e.message}; ${files.length - i} batch(es) stay spooled for the next run`;
          r.left = files.length - i;
          return r;
        }
        const delay = Math.min(max, e.retryAfterMs ?? base * 2 ** (a - 1) * (0.75 + Math.random() / 2));
        o.log?.(`${e.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${a + 1}/${attempts})`);
        await wait(delay);
      }
    }
    const { status, json } = answer!;
    if (status === 401) {
      r.error = `the server refused the ingest key (${String(json.error ?? '401')})`;
      r.left = files.length - i;
      return r;
    }
    if (status !== 200) {
      // 400 for the whole batch (or 413): resending it unchanged cannot succeed.
      r.rejectedBatches.push(spool.reject(file));
      o.log?.(`server refused a batch (${status}: ${String(json.error ?? '')}); kept in ${r.rejectedBatches.at(-1)}`);
      continue;
    }
    r.batches++;
    r.accepted += Number(json.accepted ?? 0);
    r.duplicates += Number(json.duplicates ?? 0);
    const rejected = Array.isArray(json.rejected) ? json.rejected.length : 0;
    r.rejectedItems += rejected;
    if (rejected) o.log?.(`server rejected ${rejected} event(s) of a batch: ${JSON.stringify((json.rejected as unknown[])[0])}`);
    spool.done(file);
  }
  return r;
}
