/**
 * Who, what and where of one OTLP record: the tool it came from, the identity
 * of the person, the session, the model and the attributes kept on the event.
 *
 * Identity (into the event identity, which attribution maps onto people):
 *   user.email -> email, user.account_uuid / user.account_id -> accountId,
 *   enduser.id -> userId, user.id (Claude Code's per-install id) /
 *   installation.id (Gemini CLI) -> machineId.
 * Attributes (into event attributes, for grouping and attribution rules):
 *   every resource attribute (service.name, OTEL_RESOURCE_ATTRIBUTES such as
 *   department, team, cost_center) except SDK and process noise, plus a few
 *   record attributes that describe the setup (organization.id, terminal.type,
 *   app.version). Record attributes with per-request values (prompt ids,
 *   request ids, timestamps) are never kept: they would make every event its
 *   own group and say nothing about usage.
 */
import { hash as digest } from 'node:crypto';
import { MAX_ATTRIBUTE_LENGTH, MAX_ATTRIBUTES } from '../../domain/event.js';
import { str, type Attrs } from './model.js';

export type ToolName = 'claude-code' | 'gemini-cli' | 'codex' | string;

/** Which tool sent this, from the resource's service.name and the scope name. */
export function toolOf(resource: Attrs, scopeName: string | null | undefined): ToolName {
  const svc = String(resource['service.name'] ?? '').toLowerCase();
  const scope = (scopeName ?? '').toLowerCase();
  if (svc.startsWith('claude-code') || svc === 'claude_code' || scope.startsWith('com.anthropic.claude_code')) return 'claude-code';
  if (svc.startsWith('gemini-cli') || svc === 'gemini_cli' || scope === 'gemini-cli') return 'gemini-cli';
  if (svc.startsWith('codex')) return 'codex';
  return svc && !svc.startsWith('unknown_service') ? svc : 'otel';
}

const DROPPED_RESOURCE = [/^telemetry\./, /^process\./, /^host\.(id|name|image)/, /^service\.instance\.id$/, /^os\.(version|description|build_id)$/, /^k8s\.pod\.uid$/, /^container\.id$/];
const KEPT_RECORD = ['organization.id', 'terminal.type', 'app.version', 'gen_ai.operation.name', 'gen_ai.agent.name', 'auth_mode', 'originator'];

export interface Described {
  tool: ToolName;
  identity: { email?: string; accountId?: string; userId?: string; machineId?: string };
  sessionId?: string;
  attributes?: Record<string, string>;
  /** The first value that is too long to keep (the record is refused rather than cut). */
  problem?: string;
  /** Tool, identity, session and attributes as one string: equal for equal descriptions (groups events). */
  groupKey: string;
}

const ID_LIMIT = 200;

/** Record attributes each identity field is read from, first present wins (the resource's are the fallback). */
const IDENTITY_FROM = {
  email: ['user.email', 'enduser.email'],
  accountId: ['user.account_uuid', 'user.account_id'],
  userId: ['enduser.id'],
  machineId: ['user.id', 'installation.id'],
  sessionId: ['session.id', 'conversation.id', 'gen_ai.conversation.id'],
} as const;

/** Every record attribute describe() reads: nothing else of the record changes its answer. */
const READ_FROM_RECORD: readonly string[] = [...Object.values(IDENTITY_FROM).flat(), ...KEPT_RECORD];

export function describe(tool: ToolName, resource: Attrs, record: Attrs): Described {
  const pick = (keys: readonly string[]) => {
    for (const k of keys) {
      const v = str(record[k] ?? resource[k]);
      if (v) return v;
    }
    return undefined;
  };
  const identity: Described['identity'] = {};
  const email = pick(IDENTITY_FROM.email);
  if (email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) identity.email = email;
  const accountId = pick(IDENTITY_FROM.accountId);
  if (accountId) identity.accountId = accountId;
  const userId = pick(IDENTITY_FROM.userId);
  if (userId) identity.userId = userId;
  const machineId = pick(IDENTITY_FROM.machineId);
  if (machineId) identity.machineId = machineId;
  const d: Described = { tool, identity, groupKey: '' };
  d.sessionId = pick(IDENTITY_FROM.sessionId);
  for (const [k, v] of Object.entries({ ...d.identity, sessionId: d.sessionId })) {
    if (v && v.length > ID_LIMIT) d.problem ??= `${k} is longer than ${ID_LIMIT} characters`;
  }

  const attrs: Record<string, string> = {};
  const add = (k: string, v: unknown) => {
    if (v === undefined || k.length > 64) return;
    const s = String(v);
    if (s.length > MAX_ATTRIBUTE_LENGTH) {
      d.problem ??= `attribute ${k} is longer than ${MAX_ATTRIBUTE_LENGTH} characters`;
      return;
    }
    attrs[k] = s;
  };
  for (const k of Object.keys(resource).sort()) {
    if (!DROPPED_RESOURCE.some((re) => re.test(k))) add(k, resource[k]);
  }
  for (const k of KEPT_RECORD) add(k, record[k]);
  const keys = Object.keys(attrs);
  if (keys.length) {
    // Deterministic cap: keep service.* first, then the rest alphabetically.
    keys.sort((a, b) => Number(!a.startsWith('service.')) - Number(!b.startsWith('service.')) || a.localeCompare(b));
    d.attributes = Object.fromEntries(keys.slice(0, MAX_ATTRIBUTES).map((k) => [k, attrs[k]!]));
  }
  d.groupKey = JSON.stringify([tool, d.identity, d.sessionId ?? '', d.attributes ?? {}]);
  return d;
}

/** describe()'s answers remembered across exports, per tool and resource (cleared when it holds too many). */
const remembered = new Map<string, Map<string, Described>>();
let rememberedCount = 0;
const REMEMBER_AT_MOST = 10_000;

/** A value as describe() sees it (as text; null is not absent), written so that no two differ by the way they are joined. */
function memoText(v: unknown): string {
  if (v === undefined) return '\u0001';
  if (v === null) return '\u0002';
  const s = String(v);
  return `${s.length}:${s}`;
}

/**
 * describe() for the records of one resource and tool, remembered by the
 * values of the few record attributes it reads: the points and records of an
 * export repeat the same people and sessions many times, and so do the next
 * exports. Equal answers are the same object, so they are checked once
 * downstream (./validate.ts).
 */
export class Describer {
  private readonly seen: Map<string, Described>;

  constructor(
    readonly tool: ToolName,
    private readonly resource: Attrs,
  ) {
    let key = memoText(tool);
    for (const k of Object.keys(resource)) key += memoText(k) + memoText(resource[k]);
    let seen = remembered.get(key);
    if (!seen) remembered.set(key, (seen = new Map()));
    this.seen = seen;
  }

  describe(record: Attrs): Described {
    // describe() reads values as text (String(v)), so 5 and "5" describe alike.
    let key = '';
    for (const k of READ_FROM_RECORD) key += memoText(record[k]);
    let d = this.seen.get(key);
    if (!d) {
      d = describe(this.tool, this.resource, record);
      if (++rememberedCount > REMEMBER_AT_MOST) {
        // Start over (this export keeps its own map until it is done).
        remembered.clear();
        rememberedCount = 1;
      }
      this.seen.set(key, d);
    }
    return d;
  }
}

/** Provider names as the GenAI conventions spell them, mapped to tokenboard's. */
export function providerOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const n = name.toLowerCase();
  if (n.startsWith('gcp.') || n === 'gemini' || n === 'vertex_ai' || n === 'google') return 'google';
  if (n === 'az.ai.openai' || n === 'azure.ai.openai') return 'azure-openai';
  if (n === 'aws.bedrock') return 'aws-bedrock';
  return n;
}

/** sha256 of the parts, each followed by a NUL, base64url, 32 characters. */
export function hash(...parts: string[]): string {
  let text = '';
  for (const p of parts) {
    // Parts come from requests; only text is hashed (a JSON number where text belongs is refused, not stringified).
    if (typeof p !== 'string') throw new TypeError(`hash: expected text, got ${typeof p}`);
    text += `${p}\0`;
  }
  return digest('sha256', text, 'base64url').slice(0, 32);
}

/** Attributes in a stable order, for series identity and content keys. */
export function stableJson(a: Attrs): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}
