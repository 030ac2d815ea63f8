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
import { createHash } from 'node:crypto';
import { MAX_ATTRIBUTE_LENGTH, MAX_ATTRIBUTES } from '../../domain/event.js';
import { str, type Attrs } from './model.js';

export type ToolName = 'claude-code' | 'gemini-cli' | 'codex' | string;

/** Which tool sent this, from the resource's service.name and the scope name. */
export function toolOf(resource: Attrs, scopeName: string | undefined): ToolName {
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
}

const ID_LIMIT = 200;

export function describe(tool: ToolName, resource: Attrs, record: Attrs): Described {
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = str(record[k] ?? resource[k]);
      if (v) return v;
    }
    return undefined;
  };
  const d: Described = { tool, identity: {} };
  const email = pick('user.email', 'enduser.email');
  if (email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) d.identity.email = email;
  const accountId = pick('user.account_uuid', 'user.account_id');
  if (accountId) d.identity.accountId = accountId;
  const userId = pick('enduser.id');
  if (userId) d.identity.userId = userId;
  const machineId = pick('user.id', 'installation.id');
  if (machineId) d.identity.machineId = machineId;
  d.sessionId = pick('session.id', 'conversation.id', 'gen_ai.conversation.id');
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
  return d;
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

export function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url').slice(0, 32);
}

/** Attributes in a stable order, for series identity and content keys. */
export function stableJson(a: Attrs): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}
