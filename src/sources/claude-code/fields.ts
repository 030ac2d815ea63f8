/**
 * The fields a Claude Code line is counted by, read straight from its bytes.
 *
 * An assistant line is mostly message content (text, tool calls) that a report
 * never uses; JSON.parse would still build every string of it, and that was
 * half of a report's time. `pickFields` walks the line once as a JSON grammar
 * checker, skipping string contents, and builds only the values `PICK` names,
 * in the same shape JSON.parse would give them — so one function (`toEntry`
 * in adapter.ts) maps both results and they cannot disagree. Key order,
 * whitespace, duplicate keys (the last wins, as in JSON.parse) and CRLF
 * endings do not matter.
 *
 * The walk itself is WebAssembly (pick.as.ts, compiled into pick-wasm.ts):
 * the line is copied into its memory, and it leaves a tag per picked key
 * (null, a number, a string's place in the line, ...) that this module turns
 * into values. In JavaScript the same walk ran 15-18x slower until V8 had
 * optimised it, a sixth of a report on a 500 MB tree; WebAssembly is compiled
 * before its first call and skips strings 16 bytes at a time.
 *
 * It returns `UNSURE` whenever it would have to guess: a line that is not
 * valid JSON (a raw control character or a bad escape inside a skipped string
 * included), a picked string or a key with escapes, control or non-ASCII
 * bytes, very deep nesting. The caller then uses JSON.parse, which decides, so
 * every line reads as JSON.parse reads its UTF-8 text (a test damages random
 * lines byte by byte to check it).
 *
 * One departure from JSON.parse's shape: a `timestamp` in the form Claude Code
 * writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`) is given as epoch milliseconds under the
 * symbol TIME_MS (the same number Date.parse gives), without building the
 * string; any other timestamp is given as the string, as JSON.parse would.
 */

import { PICK_WASM } from './pick-wasm.js';

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

interface Key {
  bytes: Uint8Array;
  name: string;
  sub: Compiled | null;
  /** Where its value is kept (VALS). */
  slot: number;
  /** A picked object: the slots of everything below it, [first, end). */
  first: number;
  end: number;
  /** A timestamp: read as epoch milliseconds when it has the usual form. */
  time: boolean;
}
type Compiled = Key[];

/**
 * The picked values of the current line, one slot per picked key (a picked object's own slot
 * holds its view). Writing a slot is one array store; writing an object's property named by a
 * variable was a megamorphic store per value and per reset.
 */
const VALS: unknown[] = [];
/** The view of each picked object, by its slot (what a T_VIEW tag stands for). */
const VIEWS: object[] = [];

function compile(p: Pick): Compiled {
  return Object.entries(p).map(([name, v]) => {
    const k: Key = { bytes: Buffer.from(name, 'latin1'), name, sub: null, slot: VALS.push(undefined) - 1, first: 0, end: 0, time: v === 'time' };
    if (typeof v === 'object') {
      k.first = VALS.length;
      k.sub = compile(v);
      k.end = VALS.length;
      VIEWS[k.slot] = viewOf(k.sub);
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
const SLOTS = VALS.length;
const TOP_VIEW = viewOf(TOP);
Object.defineProperty(TOP_VIEW, TIME_MS, { get: () => VALS[TIME_SLOT], enumerable: true });

// Tags the walk leaves in each slot (pick.as.ts).
const T_NULL = 1;
const T_TRUE = 2;
const T_FALSE = 3;
const T_NUMBER = 4;
const T_NUMBER_TEXT = 5;
const T_STRING = 6;
const T_SAME = 7;
const T_OBJECT = 8;
const T_ARRAY = 9;
const T_VIEW = 10;
/** Memory beyond this (grown for a long line) is given back by starting a fresh instance. */
const KEEP_BYTES = 8 << 20;

export interface Walker {
  memory: WebAssembly.Memory;
  /** Walk the line of `len` bytes at `at` in the memory (pick.as.ts `walk`). */
  walk: (at: number, len: number, slots: number) => number;
  /** Room for a line of n bytes: where to copy it (asked each time: the room moves). */
  lineFor: (n: number) => number;
  /** Where the tags (4 words per slot) and numbers are read. */
  bytes: Uint8Array;
  words: Int32Array;
  outWord: number;
  numbers: Float64Array;
  numIndex: number;
  /** The text of the last string read into each slot (the walk reports a repeat as T_SAME). */
  last: string[];
  /** Picked strings up to this many bytes are remembered (pick.as.ts LAST_MAX). */
  lastMax: number;
  /** The row exports (pick.as.ts, "Rows"; used by rows.ts). */
  rows: RowExports;
  /** True while rows.ts builds a file's rows in this instance's memory (it must not be replaced). */
  busy: boolean;
}

export interface RowExports {
  row(at: number, len: number): number;
  scan(at: number, pos: number, limit: number, rows: number, rowLimit: number): void;
  scanOut(): number;
  scanBad(): number;
  readArea(n: number): number;
  rowsBegin(rows: number): void;
  rowsEnd(): number;
  scratch(n: number): number;
  args(): number;
  addEntry(klen: number, mlen: number): number;
}

const MODULE = new WebAssembly.Module(Buffer.from(PICK_WASM, 'base64'));

/** A walker with the picked keys written into its table (layout: pick.as.ts). */
function instantiate(): Walker {
  const x = new WebAssembly.Instance(MODULE, {}).exports as unknown as {
    memory: WebAssembly.Memory;
    walk: Walker['walk'];
    lineFor: Walker['lineFor'];
    table(): number;
    out(): number;
    nums(): number;
    rowSlots(...slots: number[]): void;
  } & RowExports &
    Record<'KEYS' | 'NAMES' | 'BY_LENGTH' | 'MAX_SLOTS' | 'LAST_MAX', WebAssembly.Global>;
  if (SLOTS > x.MAX_SLOTS.value) throw new Error(`fields.ts: ${SLOTS} picked slots, the walk has room for ${x.MAX_SLOTS.value}`);
  const w: Walker = {
    memory: x.memory,
    walk: x.walk,
    lineFor: x.lineFor,
    bytes: new Uint8Array(0),
    words: new Int32Array(0),
    outWord: x.out() >> 2,
    numbers: new Float64Array(0),
    numIndex: x.nums() >> 3,
    last: new Array<string>(SLOTS).fill(''),
    lastMax: x.LAST_MAX.value,
    rows: x,
    busy: false,
  };
  // The slots a row is made from (pick.as.ts rowSlots), by their paths in PICK.
  const slot = (keys: Compiled, name: string) => keys.find((k) => k.name === name)!;
  const msg = slot(TOP, 'message');
  const usage = slot(msg.sub!, 'usage');
  const cc = slot(usage.sub!, 'cache_creation');
  x.rowSlots(
    TIME_SLOT,
    slot(TOP, 'requestId').slot,
    slot(TOP, 'costUSD').slot,
    msg.slot,
    slot(msg.sub!, 'id').slot,
    slot(msg.sub!, 'model').slot,
    slot(msg.sub!, 'stop_reason').slot,
    usage.slot,
    slot(usage.sub!, 'input_tokens').slot,
    slot(usage.sub!, 'output_tokens').slot,
    slot(usage.sub!, 'cache_creation_input_tokens').slot,
    slot(usage.sub!, 'cache_read_input_tokens').slot,
    cc.slot,
    slot(cc.sub!, 'ephemeral_1h_input_tokens').slot,
    SLOTS,
  );
  views(w);
  // The table (pick.as.ts): node 0 is the line's object, each picked object a node of its own;
  // a node's keys are consecutive, and each key names its node below.
  const table = x.table() >> 2;
  const names = x.table() + x.NAMES.value;
  const nodes: Compiled[] = [TOP];
  for (let n = 0; n < nodes.length; n++) for (const k of nodes[n]!) if (k.sub) nodes.push(k.sub);
  let key = 0;
  let nameAt = 0;
  nodes.forEach((node, n) => {
    w.words[table + 2 + 2 * n] = key;
    w.words[table + 3 + 2 * n] = node.length;
    for (const k of node) {
      w.bytes.set(k.bytes, names + nameAt);
      // Chained by length: the node's first key of this length is the newest one.
      const bucket = table + x.BY_LENGTH.value + 64 * n + Math.min(k.bytes.length, 63);
      w.words.set([nameAt, k.bytes.length, k.slot, k.sub ? nodes.indexOf(k.sub) : -1, k.time ? TIME_SLOT : -1, k.first, k.end, w.words[bucket]!], table + x.KEYS.value + 8 * key);
      w.words[bucket] = ++key;
      nameAt += k.bytes.length;
    }
  });
  w.words[table] = key;
  return w;
}

/** Views of the memory, made again when it grew (which detaches the old buffer). */
export function views(w: Walker): void {
  if (w.bytes.buffer === w.memory.buffer) return;
  w.bytes = new Uint8Array(w.memory.buffer);
  w.words = new Int32Array(w.memory.buffer);
  w.numbers = new Float64Array(w.memory.buffer);
}

let walker = instantiate();

/**
 * The walker, made afresh first when a long line or a large file grew its memory past
 * KEEP_BYTES (so that memory is given back), unless rows.ts is building a file's rows in it.
 */
export function currentWalker(): Walker {
  if (walker.bytes.length > KEEP_BYTES && !walker.busy) walker = instantiate();
  return walker;
}

/** Walk the line of n bytes at `at` (lineAt) without making a row of it: whether it is sure. */
export const walkLine = (w: Walker, at: number, n: number): boolean => w.walk(at, n, SLOTS) !== 0;

/**
 * Where the line b[start, end) is in the walker's memory: where it lies when `b` is a view of
 * that memory (rows.ts reads files into it), else where it was copied to.
 */
export function lineAt(w: Walker, b: Buffer, start: number, end: number): number {
  if (b.buffer === w.memory.buffer) return b.byteOffset + start;
  const at = w.lineFor(end - start);
  views(w);
  b.copy(w.bytes, at, start, end);
  return at;
}

/**
 * The picked fields of the JSON object in `b[start, end)`, or UNSURE; non-object top-level
 * values are UNSURE. The objects returned are reused by the next call (read them, do not keep them).
 */
export function pickFields(b: Buffer, start: number, end: number): Record<string | symbol, unknown> | typeof UNSURE {
  const w = currentWalker();
  return walkLine(w, lineAt(w, b, start, end), end - start) ? picked(w, b, start, true) : UNSURE;
}

/**
 * The picked fields as the walk of the line (which was b[start, ...)) just left them in `w`'s
 * slots, in the shape pickFields returns. `trustLast`: every earlier walk's strings were decoded
 * here, so a T_SAME is the string kept in `last`; otherwise (rows.ts) it is decoded afresh.
 */
export function picked(w: Walker, b: Buffer, start: number, trustLast: boolean): Record<string | symbol, unknown> {
  views(w);
  const words = w.words;
  for (let s = 0, o = w.outWord; s < SLOTS; s++, o += 4) {
    switch (words[o]) {
      case T_NULL:
        VALS[s] = null;
        break;
      case T_TRUE:
        VALS[s] = true;
        break;
      case T_FALSE:
        VALS[s] = false;
        break;
      case T_NUMBER:
        VALS[s] = w.numbers[w.numIndex + s];
        break;
      case T_NUMBER_TEXT:
        // Fractions, exponents, signs, long integers: the same conversion JSON.parse makes.
        VALS[s] = Number(spanText(b, start, words, o));
        break;
      case T_SAME:
        if (trustLast) {
          VALS[s] = w.last[s];
          break;
        }
      // falls through: decoded afresh
      case T_STRING: {
        const v = spanText(b, start, words, o);
        if (words[o + 2]! <= w.lastMax) w.last[s] = v;
        VALS[s] = v;
        break;
      }
      case T_OBJECT:
        VALS[s] = AN_OBJECT;
        break;
      case T_ARRAY:
        VALS[s] = AN_ARRAY;
        break;
      case T_VIEW:
        VALS[s] = VIEWS[s];
        break;
      default:
        VALS[s] = undefined;
    }
  }
  return TOP_VIEW;
}

/** The text of the value slot `o` places (its start from the line's start, and its length). */
function spanText(b: Buffer, start: number, words: Int32Array, o: number): string {
  const at = start + words[o + 1]!;
  return b.toString('latin1', at, at + words[o + 2]!);
}
