/** A real tokenboard server on a temporary SQLite file, restartable, for the OTLP tests. */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildDeps, listen, openStore, registerIngestKey, type Running } from '../../src/server/start.js';
import type { OtlpOptions } from '../../src/sources/otlp/rules.js';
import type { Store } from '../../src/store/types.js';

export const INGEST_KEY = 'tb_test_ingest_key';
export const ADMIN = 'admin-secret';

export interface TestServer {
  url: string;
  store: Store;
  dir: string;
  restart(): Promise<void>;
  close(): Promise<void>;
  /** Totals from the HTTP query API (admin, allowed to see individuals: nothing suppressed), optionally filtered. */
  totals(query?: Record<string, string>): Promise<Record<string, number>>;
  breakdown(groupBy: string): Promise<{ keys: Record<string, string | null>; [k: string]: unknown }[]>;
}

export async function startServer(opts: { otlp?: OtlpOptions; maxInFlight?: number; dir?: string } = {}): Promise<TestServer> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tb-otlp-'));
  let store: Store;
  let running: Running;
  const boot = async (port = 0) => {
    store = openStore(dir);
    await registerIngestKey(store, INGEST_KEY);
    const deps = { ...buildDeps(store, { adminToken: ADMIN }), otlp: opts.otlp ?? {}, maxInFlight: opts.maxInFlight };
    // These tests check totals to the token per person: the policy lets admins see individuals.
    const gov = deps.governance!;
    await gov.settings.update({ role: 'admin', via: 'admin-token' }, { individualViewers: ['admin'] }, gov.audit);
    running = await listen(deps, port);
  };
  await boot();
  const port = running!.port;
  const get = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  };
  const range = 'from=2020-01-01&to=2030-01-01';
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    get store() {
      return store;
    },
    dir,
    async restart() {
      await running.close();
      await store.close();
      await boot(port);
    },
    async close() {
      await running.close();
      await store.close();
    },
    async totals(query = {}) {
      const qs = new URLSearchParams(query).toString();
      const body = await get(`/api/v1/usage/summary?${range}${qs ? `&${qs}` : ''}`);
      return body.totals as Record<string, number>;
    },
    async breakdown(groupBy: string) {
      const body = await get(`/api/v1/usage/breakdown?${range}&groupBy=${groupBy}`);
      return body.rows as never;
    },
  };
  return server;
}

/**
 * A proxy that forwards every export to tokenboard but answers the first
 * `failures` of them with 503, as if the answer had been lost after the data
 * was stored: the exporter then retries the very same batch.
 */
export async function flakyProxy(target: string, failures: number): Promise<{ url: string; forwarded: () => number; close(): Promise<void> }> {
  let seen = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
    const r = await fetch(target + req.url, { method: 'POST', headers, body: Buffer.concat(chunks) });
    const body = Buffer.from(await r.arrayBuffer());
    seen++;
    if (seen <= failures) {
      res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded: () => seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
