/**
 * Posting a digest to an outgoing chat webhook (Slack-style incoming webhook
 * or a Microsoft Teams workflow webhook taking an Adaptive Card), with retry
 * and a delivery log.
 *
 * Retries: network errors, timeouts, 408, 429 and 5xx, with exponential
 * backoff (base, 2x, 4x, ... capped), honouring Retry-After. Other 4xx are
 * final: the payload or URL is wrong and sending it again will not help.
 * Every attempt carries the same X-Tokenboard-Delivery id so a receiver can
 * drop a repeat whose earlier answer was lost.
 */
import { randomUUID } from 'node:crypto';
import type { ContextRepo } from './repo.js';
import { digestMarkdown, digestTitle, type Digest } from './digest.js';

export type WebhookFormat = 'slack' | 'teams';

/** Slack mrkdwn: *bold*, _italic_, <url|label>; tables become lines. */
export function toSlackMrkdwn(markdown: string): string {
  return markdown
    .split('\n')
    .filter((l) => !/^\|?\s*-{3}/.test(l))
    .map((l) => {
      if (/^#{1,6} /.test(l)) return `*${l.replace(/^#{1,6} /, '')}*`;
      if (l.startsWith('|')) return l.split('|').map((c) => c.trim()).filter(Boolean).join(' · ');
      return l;
    })
    .join('\n')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<$2|$1>');
}

export function slackPayload(d: Digest, markdown = digestMarkdown(d)) {
  const text = toSlackMrkdwn(markdown);
  // Slack section blocks hold at most 3,000 characters each.
  const chunks: string[] = [];
  let cur = '';
  for (const l of text.split('\n')) {
    if (cur.length + l.length + 1 > 2900) {
      chunks.push(cur);
      cur = '';
    }
    cur += (cur ? '\n' : '') + l.slice(0, 2900);
  }
  if (cur) chunks.push(cur);
  return {
    text: digestTitle(d),
    blocks: chunks.slice(0, 45).map((c) => ({ type: 'section', text: { type: 'mrkdwn', text: c } })),
  };
}

export function teamsPayload(d: Digest, markdown = digestMarkdown(d)) {
  const body = markdown
    .split(/\n(?=## )/)
    .map((part) => ({ type: 'TextBlock', text: part.replace(/^#{1,6} /gm, '').replace(/^\|?\s*-{3}.*$/gm, ''), wrap: true }));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}

export function payloadFor(format: WebhookFormat, d: Digest): unknown {
  return format === 'teams' ? teamsPayload(d) : slackPayload(d);
}

export interface DeliveryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  deliveryKey: string;
  status: number | null;
  error: string | null;
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Seconds or an HTTP date, as milliseconds from now. */
function retryAfterMs(h: string | null, now: number): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export async function deliver(
  repo: ContextRepo,
  hook: { id: number; url: string },
  week: string,
  payload: unknown,
  opts: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 1000;
  const cap = opts.maxDelayMs ?? 60_000;
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? sleepFor;
  const now = opts.now ?? Date.now;
  const deliveryKey = randomUUID();
  const body = JSON.stringify(payload);
  let status: number | null = null;
  let error: string | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait: number | undefined;
    let final = false;
    try {
      const res = await doFetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tokenboard-digest', 'x-tokenboard-delivery': deliveryKey },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        await repo.logDelivery({ webhookId: hook.id, deliveryKey, week, attempt, ok: true, httpStatus: status, error: null, at: now() });
        return { ok: true, attempts: attempt, deliveryKey, status, error: null };
      }
      error = `HTTP ${status}`;
      final = !retryable(status);
      wait = retryAfterMs(res.headers.get('retry-after'), now());
    } catch (err) {
      status = null;
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await repo.logDelivery({ webhookId: hook.id, deliveryKey, week, attempt, ok: false, httpStatus: status, error, at: now() });
    if (final || attempt === attempts) return { ok: false, attempts: attempt, deliveryKey, status, error };
    await sleep(Math.min(cap, wait ?? base * 2 ** (attempt - 1)));
  }
  return { ok: false, attempts, deliveryKey, status, error };
}
