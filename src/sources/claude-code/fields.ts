/**
 * The fields a Claude Code line is counted by, read straight from its bytes.
 *
 * An assistant line is mostly message content (text, tool calls) that a report
 * never uses; JSON.parse would still build every string of it, and that was
 * half of a report's time. `pickFields` walks the line once as a JSON grammar
 * checker, jumps over string contents with `Buffer.indexOf`, and builds only
 * the values `PICK` names, in the same shape JSON.parse would give them — so
 * one function (`toEntry` in adapter.ts) maps both results and they cannot
 * disagree. Key order, whitespace, duplicate keys (the last wins, as in
 * JSON.parse) and CRLF endings do not matter.
 *
 * It returns `UNSURE` whenever it would have to guess: a line that is not
 * valid JSON, a picked string or a key with escapes, control or non-ASCII
 * bytes, very deep nesting. The caller then uses JSON.parse, which decides.
 * The one thing it does not check is the characters inside strings it skips
 * (a raw control character or a bad escape there); Claude Code writes lines
 * with JSON.stringify, which never produces either.
 *
 * One departure from JSON.parse's shape: a `timestamp` in the form Claude Code
 * writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`) is given as epoch milliseconds under the
 * symbol TIME_MS (the same number Date.parse gives), without building the
 * string; any other timestamp is given as the string, as JSON.parse would.
 */

/** A picked object node: which keys to keep, and how deep to look inside each. */
interface Pick {
  [key: string]: Pick | true | 'time';
}

/** Where pickFields puts a timestamp it read as epoch milliseconds (see the module comment). */
export const TIME_MS = Symbol('timestamp ms');

/** The paths a report needs (see toEntry). `true`: keep the value if it is a string, number, boolean or null. */
export const PICK: Pick = {
  timestamp: 'time',
  requestId: true,
  costUSD: true,
  message: {
    id: true,
    model: true,
    stop_reason: true,
    usage: {
      input_tokens: true,
      output_tokens: true,
      cache_creation_input_tokens: true,
      cache_read_input_tokens: true,
      cache_creation: { ephemeral_1h_input_tokens: true },
    },
  },
};

export const UNSURE = Symbol('unsure');

/** Stand-ins for containers found where a scalar was picked: callers only test their type. */
const AN_OBJECT = Object.freeze({});
const AN_ARRAY = Object.freeze([]);
const MAX_DEPTH = 64;
const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

interface Key {
  bytes: Uint8Array;
  name: string;
  sub: Compiled | null;
  /** Where its value is kept (VALS). */
  slot: number;
  /** A picked object: the slots of everything below it, [first, end), and the view of its keys. */
  first: number;
  end: number;
  view: object | null;
  /** A timestamp: read as epoch milliseconds when it has the usual form. */
  time: boolean;
  /**
   * The last string value read for this key and its bytes: consecutive lines repeat the model,
   * and a streamed response repeats its message and request ids, so most picked strings are
   * the previous line's (reusing it also keeps its cached hash for the dedup map).
   */
  last: string;
  lastBytes: Uint8Array;
  lastLength: number;
}
type Compiled = Key[];
const CACHED_STRING_MAX = 64;

/**
 * The picked values of the current line, one slot per picked key (a picked object's own slot
 * holds its view). Writing a slot is one array store; writing an object's property named by a
 * variable was a megamorphic store per value and per reset, a tenth of the walk.
 */
const VALS: unknown[] = [];

function compile(p: Pick): Compiled {
  return Object.entries(p).map(([name, v]) => {
    const k: Key = {
      bytes: Buffer.from(name, 'latin1'),
      name,
      sub: null,
      slot: VALS.push(undefined) - 1,
      first: 0,
      end: 0,
      view: null,
      time: v === 'time',
      last: '',
      lastBytes: new Uint8Array(CACHED_STRING_MAX),
      lastLength: -1,
    };
    if (typeof v === 'object') {
      k.first = VALS.length;
      k.sub = compile(v);
      k.end = VALS.length;
      k.view = viewOf(k.sub);
    }
    return k;
  });
}

/** An object shaped as JSON.parse would give the picked keys, reading their slots (the objects pickFields returns). */
function viewOf(keys: Compiled): Record<string | symbol, unknown> {
  const view = {};
  for (const k of keys) {
    const slot = k.slot;
    Object.defineProperty(view, k.name, { get: () => VALS[slot], enumerable: true });
  }
  return view;
}

const TOP = compile(PICK);
const TIME_SLOT = VALS.push(undefined) - 1;
const TOP_VIEW = viewOf(TOP);
Object.defineProperty(TOP_VIEW, TIME_MS, { get: () => VALS[TIME_SLOT], enumerable: true });

/** Forget the values in slots [first, end) (absent and undefined read the same to toEntry). */
function reset(first: number, end: number): void {
  for (let s = first; s < end; s++) VALS[s] = undefined;
}

/** Thrown inside the walk to give up; one instance, caught in pickFields. */
class Unsure extends Error {}
const unsure = new Unsure('unsure');

/**
 * The picked fields of the JSON object in `b[start, end)`, or UNSURE; non-object top-level
 * values are UNSURE. The objects returned are reused by the next call (read them, do not keep them).
 */
export function pickFields(b: Buffer, start: number, end: number): Record<string | symbol, unknown> | typeof UNSURE {
  const r = reader;
  r.b = b;
  r.end = end;
  try {
    const i = r.ws(start);
    if (r.ch(i) !== 0x7b) return UNSURE; // not an object: JSON.parse decides
    reset(0, VALS.length);
    const after = r.object(i, TOP, 0);
    return r.ws(after) === end ? TOP_VIEW : UNSURE;
  } catch (e) {
    if (e === unsure) return UNSURE;
    throw e;
  }
}

/** The walk over one line; one instance is reused (pickFields is not re-entrant, and need not be). */
class Reader {
  b: Buffer = Buffer.alloc(0);
  end = 0;

  /** The byte at `i`, or -1 past the line (the buffer holds other lines, or stale bytes, beyond it). */
  ch(i: number): number {
    return i < this.end ? this.b[i]! : -1;
  }

  ws(i: number): number {
    const b = this.b;
    const end = this.end;
    while (i < end) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    return i;
  }

  /** `b[i]` is `{`. Keeps the values of picked keys (when `keys`), returns the index after `}`. */
  object(i: number, keys: Compiled | null, depth: number): number {
    if (depth > MAX_DEPTH) throw unsure;
    i = this.ws(i + 1);
    if (this.ch(i) === 0x7d) return i + 1;
    for (;;) {
      if (this.ch(i) !== 0x22) throw unsure;
      const ks = i + 1;
      const ke = this.keyEnd(ks);
      i = this.ws(ke + 1);
      if (this.ch(i) !== 0x3a) throw unsure;
      i = this.ws(i + 1);
      const k = keys === null ? null : this.match(keys, ks, ke);
      if (k === null) i = this.skip(i, depth + 1);
      else if (k.sub !== null && this.ch(i) === 0x7b) {
        // A repeated key starts afresh, as JSON.parse's last value wins whole.
        reset(k.first, k.end);
        i = this.object(i, k.sub, depth + 1);
        VALS[k.slot] = k.view;
      } else i = this.scalar(i, k, depth + 1);
      i = this.ws(i);
      const c = this.ch(i);
      if (c === 0x7d) return i + 1;
      if (c !== 0x2c) throw unsure;
      i = this.ws(i + 1);
    }
  }

  private array(i: number, depth: number): number {
    if (depth > MAX_DEPTH) throw unsure;
    i = this.ws(i + 1);
    if (this.ch(i) === 0x5d) return i + 1;
    for (;;) {
      i = this.ws(this.skip(i, depth + 1));
      const c = this.ch(i);
      if (c === 0x5d) return i + 1;
      if (c !== 0x2c) throw unsure;
      i = this.ws(i + 1);
    }
  }

  /** The picked key named by `b[ks, ke)`, if any. */
  private match(keys: Compiled, ks: number, ke: number): Key | null {
    const b = this.b;
    const n = ke - ks;
    for (const k of keys) {
      if (k.bytes.length !== n) continue;
      let j = 0;
      while (j < n && b[ks + j] === k.bytes[j]) j++;
      if (j === n) return k;
    }
    return null;
  }

  /** Index of the quote closing a key that starts at `i`; keys with escapes are left to JSON.parse. */
  private keyEnd(i: number): number {
    const b = this.b;
    const end = this.end;
    while (i < end) {
      const c = b[i]!;
      if (c === 0x22) return i;
      if (c === 0x5c || c < 0x20) throw unsure;
      i++;
    }
    throw unsure;
  }

  /** Index after the string whose opening quote is at `i`. Long contents are jumped over with indexOf. */
  private stringEnd(i: number): number {
    const b = this.b;
    const end = this.end;
    let j = i + 1;
    // Short strings (ids, names): a plain loop is cheaper than a native call.
    const short = Math.min(j + 24, end);
    for (; j < short; j++) {
      const c = b[j]!;
      if (c === 0x22) return j + 1;
      if (c === 0x5c) break;
    }
    for (;;) {
      j = b.indexOf(0x22, j);
      if (j === -1 || j >= end) throw unsure;
      // The quote closes the string unless an odd number of backslashes precede it.
      let k = j - 1;
      while (b[k] === 0x5c) k--;
      if ((j - 1 - k) % 2 === 0) return j + 1;
      j++;
    }
  }

  /** Skip any value at `i` (checking its grammar); index after it. */
  private skip(i: number, depth: number): number {
    const c = this.ch(i);
    if (c === 0x22) return this.stringEnd(i);
    if (c === 0x7b) return this.object(i, null, depth);
    if (c === 0x5b) return this.array(i, depth);
    return this.literalOrNumber(i, -1);
  }

  /** A picked scalar at `i` into its slot; containers become stand-ins. Index after the value. */
  private scalar(i: number, k: Key, depth: number): number {
    const b = this.b;
    const c = this.ch(i);
    const slot = k.slot;
    if (k.time) VALS[TIME_SLOT] = undefined; // a repeated key: the last value wins
    if (c === 0x22) {
      const e = this.stringEnd(i);
      const s = i + 1;
      const n = e - 1 - s;
      if (k.time) {
        const ms = isoUtcMs(b, s, e - 1);
        if (ms === ms) {
          VALS[TIME_SLOT] = ms;
          VALS[slot] = undefined;
          return e;
        }
      }
      const prev = k.lastBytes;
      let same = k.lastLength === n;
      for (let j = 0; j < n; j++) {
        const x = b[s + j]!;
        if (x >= 0x80 || x === 0x5c || x < 0x20) throw unsure; // JSON.parse decodes (or rejects) these
        if (same && prev[j] !== x) same = false;
      }
      if (same) VALS[slot] = k.last;
      else {
        const v = b.toString('latin1', s, e - 1);
        VALS[slot] = v;
        if (n <= CACHED_STRING_MAX) {
          k.last = v;
          k.lastLength = n;
          for (let j = 0; j < n; j++) prev[j] = b[s + j]!;
        }
      }
      return e;
    }
    if (c === 0x7b) {
      VALS[slot] = AN_OBJECT;
      return this.object(i, null, depth);
    }
    if (c === 0x5b) {
      VALS[slot] = AN_ARRAY;
      return this.array(i, depth);
    }
    return this.literalOrNumber(i, slot);
  }

  /** A literal or number at `i`, kept in `slot` unless it is -1. Index after it. */
  private literalOrNumber(i: number, slot: number): number {
    const c = this.ch(i);
    let value: unknown = null;
    let e: number;
    if (c === 0x6e && this.word(i, NULL)) e = i + 4;
    else if (c === 0x74 && this.word(i, TRUE)) {
      value = true;
      e = i + 4;
    } else if (c === 0x66 && this.word(i, FALSE)) {
      value = false;
      e = i + 5;
    } else {
      e = this.numberEnd(i);
      if (slot !== -1) value = this.numberValue(i, e);
    }
    if (slot !== -1) VALS[slot] = value;
    return e;
  }

  private word(i: number, w: Uint8Array): boolean {
    if (i + w.length > this.end) return false;
    for (let j = 1; j < w.length; j++) if (this.b[i + j] !== w[j]) return false;
    return true;
  }

  /** End of a JSON number at `i` (grammar checked: -? int frac? exp?). */
  private numberEnd(i: number): number {
    if (this.ch(i) === 0x2d) i++;
    if (this.ch(i) === 0x30) i++;
    else i = this.digits(i);
    if (this.ch(i) === 0x2e) i = this.digits(i + 1);
    const c = this.ch(i);
    if (c === 0x65 || c === 0x45) {
      i++;
      const sign = this.ch(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      i = this.digits(i);
    }
    return i;
  }

  /** End of one or more digits at `i`. */
  private digits(i: number): number {
    const b = this.b;
    const end = this.end;
    const s = i;
    while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    if (i === s) throw unsure;
    return i;
  }

  private numberValue(s: number, e: number): number {
    const b = this.b;
    if (e - s <= 15) {
      let v = 0;
      let j = s;
      for (; j < e; j++) {
        const d = b[j]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (j === e) return v;
    }
    // Fractions, exponents, signs, long integers: the same conversion JSON.parse makes.
    return Number(b.toString('latin1', s, e));
  }
}

const reader = new Reader();

/** Two ASCII digits at b[i], or -1. */
function d2(b: Buffer, i: number): number {
  const x = b[i]! - 0x30;
  const y = b[i + 1]! - 0x30;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` in b[s, e), years
 * from 1970, fields in range; NaN otherwise (the caller then reads the string, Date.parse decides).
 * Within that form Date.UTC gives what Date.parse gives (including its rollover of a day
 * past the month's end); years below 100 are left out because Date.UTC maps them to 19xx.
 */
export function isoUtcMs(b: Buffer, s: number, e: number): number {
  const n = e - s;
  if ((n !== 20 && n !== 24) || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a || b[e - 1] !== 0x5a) return NaN;
  const hi = d2(b, s);
  const lo = d2(b, s + 2);
  const mo = d2(b, s + 5);
  const d = d2(b, s + 8);
  const h = d2(b, s + 11);
  const mi = d2(b, s + 14);
  const sec = d2(b, s + 17);
  if (hi < 19 || lo < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
  let ms = 0;
  if (n === 24) {
    const x = d2(b, s + 20);
    const y = b[s + 22]! - 0x30;
    if (b[s + 19] !== 0x2e || x < 0 || y < 0 || y > 9) return NaN;
    ms = x * 10 + y;
  }
  const year = hi * 100 + lo;
  if (year < 1970) return NaN;
  return Date.UTC(year, mo - 1, d, h, mi, sec, ms);
}
