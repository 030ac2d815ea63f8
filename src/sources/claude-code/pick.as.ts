/**
 * The walk of fields.ts, in AssemblyScript, compiled to WebAssembly by
 * scripts/build-wasm.mjs (the module's bytes are in pick-wasm.ts).
 *
 * Why WebAssembly: the walk is most of a report's time, and JavaScript runs it
 * 15–18x slower until V8 has optimised it, which on a 500 MB tree was a sixth
 * of the run. WebAssembly is compiled before its first call, and its string
 * skipping looks at 16 bytes at a time.
 *
 * What it does (fields.ts has the contract): check that the line in
 * [LINE, LINE + len) is one JSON object (whitespace around it), skipping
 * strings by their quotes and escapes, and put the values of the picked keys
 * in their slots. It gives up (returns 0) where fields.ts gives up: invalid
 * JSON (inside skipped strings too: raw control bytes, bad escapes), a key with
 * an escape or control byte, a picked string with an escape, control or
 * non-ASCII byte, nesting deeper than MAX_DEPTH.
 *
 * Memory, laid out by the JavaScript side through the exported pointers:
 * - TABLE: the picked keys. Word 0: how many keys. Words 2 + 2n, 3 + 2n: node
 *   n's first key and key count (node 0 is the line's object). Key k at word
 *   KEYS + 8k: name offset (bytes from NAMES), name length, slot, sub node
 *   (-1: none), time slot (-1: not a timestamp), first and end slot below it,
 *   and 1 + the next key of its node with the same length (0: none). Word
 *   BY_LENGTH + 64n + len: 1 + node n's first key of that length (longer keys
 *   under 63), so a key is matched by one look-up and at most a compare or two.
 * - OUT: per slot 16 bytes (tag, start of the value from LINE, its length)
 *   and NUMS: per slot a float64.
 * - LAST: per slot the last string read there (up to LAST_MAX bytes), so a
 *   repeated id or model is reported as SAME and never decoded again.
 * - From BASE up, handed out by `alloc`: where lines are copied (LINE_AT), and
 *   the current file's rows when a report reads it through `row` (the "Rows"
 *   section at the end; rows.ts is its JavaScript side).
 */

const TABLE_BYTES: i32 = 8192;
// The layout fields.ts writes the table by and reads the slots with (exported as globals).
export const KEYS: i32 = 40; // words
export const NAMES: i32 = 1024; // bytes
export const BY_LENGTH: i32 = 512; // words
export const MAX_SLOTS: i32 = 64;
export const LAST_MAX: i32 = 64;
const MAX_DEPTH: i32 = 64;

// Tags (fields.ts reads them).
const T_UNDEFINED: i32 = 0;
const T_NULL: i32 = 1;
const T_TRUE: i32 = 2;
const T_FALSE: i32 = 3;
const T_NUMBER: i32 = 4;
const T_NUMBER_TEXT: i32 = 5;
const T_STRING: i32 = 6;
const T_SAME: i32 = 7;
const T_OBJECT: i32 = 8;
const T_ARRAY: i32 = 9;
const T_VIEW: i32 = 10;

const TABLE: usize = memory.data(TABLE_BYTES, 16);
const OUT: usize = memory.data(MAX_SLOTS * 16, 16);
const NUMS: usize = memory.data(MAX_SLOTS * 8, 16);
const LAST: usize = memory.data(MAX_SLOTS * LAST_MAX, 16);
const LAST_LEN: usize = memory.data(MAX_SLOTS * 4, 16);

let LINE: usize = 0;
let END: usize = 0;

export function table(): usize {
  return TABLE;
}
export function out(): usize {
  return OUT;
}
export function nums(): usize {
  return NUMS;
}
/**
 * Free memory is handed out from BUMP upwards (16-byte aligned), growing the memory as needed;
 * `rowsBegin` takes it all back for the next file. The JavaScript side re-reads its views of
 * the memory whenever the buffer changed (a grow detaches the old one).
 */
let BASE: usize = (__heap_base + 15) & ~(<usize>15);
let BUMP: usize = BASE;

/** Where files are read to (rows.ts), once made: it stays put, below everything `rowsBegin` takes back. */
let READ_AT: usize = 0;

/** Room for reading `n` bytes of a file straight into this memory (made once; later calls give the same). */
export function readArea(n: i32): usize {
  if (READ_AT == 0) {
    READ_AT = alloc(<usize>n);
    BASE = BUMP;
  }
  return READ_AT;
}

function alloc(n: usize): usize {
  const p = BUMP;
  BUMP = (p + n + 15) & ~(<usize>15);
  const have = <usize>memory.size() << 16;
  if (BUMP > have) memory.grow(<i32>((BUMP - have + 0xffff) >> 16));
  return p;
}

/** A region of `cap` bytes moved to a new one of `want` bytes (its first `used` bytes copied). */
function regrow(p: usize, used: usize, want: usize): usize {
  const q = alloc(want);
  memory.copy(q, p, used);
  return q;
}

/** Where a line is copied, and room there. */
let LINE_AT: usize = 0;
let LINE_CAP: usize = 0;

/**
 * Room for a line of `n` bytes (and 16 more, for the 16-byte loads near its end); where to copy
 * it. Ask each time: the room moves when it grows and when a file's rows begin.
 */
export function lineFor(n: i32): usize {
  if (<usize>n + 16 > LINE_CAP) {
    LINE_CAP = max(<usize>n + 16, max(LINE_CAP * 2, 65536));
    LINE_AT = alloc(LINE_CAP);
  }
  return LINE_AT;
}

// @ts-ignore: decorator
@inline function ch(i: usize): i32 {
  return i < END ? <i32>load<u8>(i) : -1;
}

// @ts-ignore: decorator
@inline function word(w: i32): i32 {
  return load<i32>(TABLE + (<usize>w << 2));
}

// @ts-ignore: decorator
@inline function setTag(slot: i32, tag: i32): void {
  store<i32>(OUT + (<usize>slot << 4), tag);
}

function setSpan(slot: i32, tag: i32, s: usize, n: usize): void {
  const o = OUT + (<usize>slot << 4);
  store<i32>(o, tag);
  store<i32>(o, <i32>(s - LINE), 4);
  store<i32>(o, <i32>n, 8);
}

function ws(i: usize): usize {
  while (i < END) {
    const c = load<u8>(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    i++;
  }
  return i;
}

/** Per byte after a backslash: the escape's length (2, or 6 for `u`), 0 where JSON.parse rejects it. */
const ESCAPE: usize = memory.data(256);
/** Per byte: 1 for a hex digit. */
const HEX: usize = memory.data(256);
for (let c = 0; c < 256; c++) {
  const simple = c == 0x22 || c == 0x5c || c == 0x2f || c == 0x62 || c == 0x66 || c == 0x6e || c == 0x72 || c == 0x74;
  store<u8>(ESCAPE + <usize>c, simple ? 2 : c == 0x75 ? 6 : 0);
  store<u8>(HEX + <usize>c, (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) ? 1 : 0);
}

/** Index after the escape whose backslash is at `k` (`\` then one of `"\/bfnrt`, or `u` and four hex digits), or 0. */
// @ts-ignore: decorator
@inline function escapeEnd(k: usize): usize {
  const n = k + 1 < END ? <usize>load<u8>(ESCAPE + <usize>load<u8>(k + 1)) : 0;
  if (n != 6) return n == 0 ? 0 : k + 2;
  if (k + 6 > END) return 0;
  return load<u8>(HEX + <usize>load<u8>(k + 2)) & load<u8>(HEX + <usize>load<u8>(k + 3)) & load<u8>(HEX + <usize>load<u8>(k + 4)) & load<u8>(HEX + <usize>load<u8>(k + 5)) ? k + 6 : 0;
}

/**
 * Index after the string whose opening quote is at `i`; 0 if it does not close on the line or
 * holds what JSON.parse rejects in a string (a raw control byte, a bad escape). Other bytes,
 * UTF-8 or not, are left alone: the text JSON.parse would see is decoded from UTF-8, where a
 * bad sequence becomes U+FFFD inside the string.
 */
function stringEnd(i: usize): usize {
  let j = i + 1;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (j + 16 <= END) {
    const v = v128.load(j);
    const m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space)));
    if (m == 0) {
      j += 16;
      continue;
    }
    const k = j + <usize>ctz<i32>(m);
    const c = load<u8>(k);
    if (c == 0x22) return k + 1;
    if (c < 0x20) return 0;
    j = escapeEnd(k);
    if (j == 0) return 0;
  }
  while (j < END) {
    const c = load<u8>(j);
    if (c == 0x22) return j + 1;
    if (c < 0x20) return 0;
    if (c == 0x5c) {
      j = escapeEnd(j);
      if (j == 0) return 0;
    } else j++;
  }
  return 0;
}

/** Index of the quote closing a key that starts at `i`; 0 for a key with an escape or control byte. */
function keyEnd(i: usize): usize {
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (i + 16 <= END) {
    const v = v128.load(i);
    const m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space)));
    if (m != 0) {
      const k = i + <usize>ctz<i32>(m);
      return load<u8>(k) == 0x22 ? k : 0;
    }
    i += 16;
  }
  while (i < END) {
    const c = load<u8>(i);
    if (c == 0x22) return i;
    if (c == 0x5c || c < 0x20) return 0;
    i++;
  }
  return 0;
}

/** Key index of the picked key named by [ks, ke) in `node`, or -1. */
function match(node: i32, ks: usize, ke: usize): i32 {
  const n = <i32>(ke - ks);
  for (let k = word(BY_LENGTH + 64 * node + min(n, 63)) - 1; k >= 0; ) {
    const w = KEYS + 8 * k;
    if (word(w + 1) == n) {
      const name = TABLE + <usize>NAMES + <usize>word(w);
      let j = 0;
      while (j < n && load<u8>(ks + <usize>j) == load<u8>(name + <usize>j)) j++;
      if (j == n) return k;
    }
    k = word(w + 7) - 1;
  }
  return -1;
}

function digits(i: usize): usize {
  const s = i;
  while (i < END) {
    const c = load<u8>(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i == s ? 0 : i;
}

/** End of a JSON number at `i` (-? int frac? exp?), or 0. */
function numberEnd(i: usize): usize {
  if (ch(i) == 0x2d) i++;
  if (ch(i) == 0x30) i++;
  else {
    i = digits(i);
    if (i == 0) return 0;
  }
  if (ch(i) == 0x2e) {
    i = digits(i + 1);
    if (i == 0) return 0;
  }
  const c = ch(i);
  if (c == 0x65 || c == 0x45) {
    i++;
    const sign = ch(i);
    if (sign == 0x2b || sign == 0x2d) i++;
    i = digits(i);
  }
  return i;
}

/** Whether the bytes at `i` spell `w` (little-endian, `n` bytes, n <= 4). */
function spells(i: usize, w: u32, n: usize): bool {
  if (i + n > END) return false;
  for (let k: usize = 0; k < n; k++) if (<u32>load<u8>(i + k) != ((w >> (<u32>k << 3)) & 0xff)) return false;
  return true;
}

/** A literal or number at `i`, kept in `slot` unless it is -1. Index after it, or 0. */
function literalOrNumber(i: usize, slot: i32): usize {
  const c = ch(i);
  let tag = T_NULL;
  let e: usize;
  if (c == 0x6e && spells(i, 0x6c6c756e, 4)) e = i + 4;
  else if (c == 0x74 && spells(i, 0x65757274, 4)) {
    tag = T_TRUE;
    e = i + 4;
  } else if (c == 0x66 && spells(i, 0x736c6166, 4) && ch(i + 4) == 0x65) {
    tag = T_FALSE;
    e = i + 5;
  } else {
    e = numberEnd(i);
    if (e == 0) return 0;
    if (slot >= 0) {
      // Up to 15 plain digits are exact as a float64; anything else JavaScript converts (Number()).
      let v: f64 = 0;
      let j = i;
      if (e - i <= 15) {
        for (; j < e; j++) {
          const d = <i32>load<u8>(j) - 0x30;
          if (d < 0 || d > 9) break;
          v = v * 10 + <f64>d;
        }
      }
      if (j == e) {
        store<f64>(NUMS + (<usize>slot << 3), v);
        setTag(slot, T_NUMBER);
      } else setSpan(slot, T_NUMBER_TEXT, i, e - i);
      return e;
    }
  }
  if (slot >= 0) setTag(slot, tag);
  return e;
}

/** Skip any value at `i` (checking its grammar); index after it, or 0. */
function skip(i: usize, depth: i32): usize {
  const c = ch(i);
  if (c == 0x22) return stringEnd(i);
  if (c == 0x7b) return object(i, -1, depth);
  if (c == 0x5b) return array(i, depth);
  return literalOrNumber(i, -1);
}

function twoDigits(i: usize): i32 {
  const x = <i32>load<u8>(i) - 0x30;
  const y = <i32>load<u8>(i + 1) - 0x30;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** Days from 1970-01-01 to the first of month `m` (1-12) of year `y` (proleptic Gregorian). */
function daysToMonth(y: i64, m: i64): i64 {
  if (m <= 2) y--;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` in [s, e), years
 * from 1970, fields in range; NaN otherwise. A day past the month's end rolls over, as in
 * Date.UTC and Date.parse.
 */
function isoUtcMs(s: usize, e: usize): f64 {
  const n = e - s;
  if (n != 20 && n != 24) return NaN;
  if (load<u8>(s + 4) != 0x2d || load<u8>(s + 7) != 0x2d || load<u8>(s + 10) != 0x54 || load<u8>(s + 13) != 0x3a || load<u8>(s + 16) != 0x3a || load<u8>(e - 1) != 0x5a) return NaN;
  const hi = twoDigits(s);
  const lo = twoDigits(s + 2);
  const mo = twoDigits(s + 5);
  const d = twoDigits(s + 8);
  const h = twoDigits(s + 11);
  const mi = twoDigits(s + 14);
  const sec = twoDigits(s + 17);
  if (hi < 19 || lo < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
  let ms = 0;
  if (n == 24) {
    const x = twoDigits(s + 20);
    const y = <i32>load<u8>(s + 22) - 0x30;
    if (load<u8>(s + 19) != 0x2e || x < 0 || y < 0 || y > 9) return NaN;
    ms = x * 10 + y;
  }
  const year = hi * 100 + lo;
  if (year < 1970) return NaN;
  const days = daysToMonth(<i64>year, <i64>mo) + <i64>(d - 1);
  return <f64>(((days * 24 + <i64>h) * 60 + <i64>mi) * 60 + <i64>sec) * 1000 + <f64>ms;
}

/** A picked scalar at `i` (key `k`) into its slot; containers become stand-ins. Index after it, or 0. */
function scalar(i: usize, k: i32, depth: i32): usize {
  const w = KEYS + 8 * k;
  const slot = word(w + 2);
  const timeSlot = word(w + 4);
  const c = ch(i);
  if (timeSlot >= 0) setTag(timeSlot, T_UNDEFINED); // a repeated key: the last value wins
  if (c == 0x22) {
    const e = stringEnd(i);
    if (e == 0) return 0;
    const s = i + 1;
    const n = e - 1 - s;
    if (timeSlot >= 0) {
      const ms = isoUtcMs(s, e - 1);
      if (ms == ms) {
        store<f64>(NUMS + (<usize>timeSlot << 3), ms);
        setTag(timeSlot, T_NUMBER);
        setTag(slot, T_UNDEFINED);
        return e;
      }
    }
    // JSON.parse decodes (or rejects) escapes, control and non-ASCII bytes: leave those to it.
    const last = LAST + <usize>(slot * LAST_MAX);
    let same = <usize>load<i32>(LAST_LEN + (<usize>slot << 2)) == n;
    let j: usize = 0;
    const backslash = i8x16.splat(0x5c);
    const space = i8x16.splat(0x20);
    const zero = i8x16.splat(0);
    for (; j + 16 <= n; j += 16) {
      const v = v128.load(s + j);
      if (i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, backslash), i8x16.lt_u(v, space)), i8x16.lt_s(v, zero))) != 0) return 0;
      if (same && (j + 16 > <usize>LAST_MAX || i8x16.bitmask(i8x16.ne(v, v128.load(last + j))) != 0)) same = false;
    }
    for (; j < n; j++) {
      const x = load<u8>(s + j);
      if (x >= 0x80 || x == 0x5c || x < 0x20) return 0;
      if (same && load<u8>(last + j) != x) same = false;
    }
    setSpan(slot, same ? T_SAME : T_STRING, s, n);
    return e;
  }
  if (c == 0x7b) {
    setTag(slot, T_OBJECT);
    return object(i, -1, depth);
  }
  if (c == 0x5b) {
    setTag(slot, T_ARRAY);
    return array(i, depth);
  }
  return literalOrNumber(i, slot);
}

/** `{` at `i`: keeps the picked keys of `node` (-1: none). Index after `}`, or 0. */
function object(i: usize, node: i32, depth: i32): usize {
  if (depth > MAX_DEPTH) return 0;
  i = ws(i + 1);
  if (ch(i) == 0x7d) return i + 1;
  while (true) {
    if (ch(i) != 0x22) return 0;
    const ks = i + 1;
    const ke = keyEnd(ks);
    if (ke == 0) return 0;
    i = ws(ke + 1);
    if (ch(i) != 0x3a) return 0;
    i = ws(i + 1);
    const k = node < 0 ? -1 : match(node, ks, ke);
    if (k < 0) i = skip(i, depth + 1);
    else {
      const w = KEYS + 8 * k;
      const sub = word(w + 3);
      if (sub >= 0 && ch(i) == 0x7b) {
        // A repeated key starts afresh, as JSON.parse's last value wins whole.
        for (let s = word(w + 5), end = word(w + 6); s < end; s++) setTag(s, T_UNDEFINED);
        i = object(i, sub, depth + 1);
        setTag(word(w + 2), T_VIEW);
      } else i = scalar(i, k, depth + 1);
    }
    if (i == 0) return 0;
    i = ws(i);
    const c = ch(i);
    if (c == 0x7d) return i + 1;
    if (c != 0x2c) return 0;
    i = ws(i + 1);
  }
  return 0;
}

function array(i: usize, depth: i32): usize {
  if (depth > MAX_DEPTH) return 0;
  i = ws(i + 1);
  if (ch(i) == 0x5d) return i + 1;
  while (true) {
    i = skip(i, depth + 1);
    if (i == 0) return 0;
    i = ws(i);
    const c = ch(i);
    if (c == 0x5d) return i + 1;
    if (c != 0x2c) return 0;
    i = ws(i + 1);
  }
  return 0;
}

/**
 * Walk the line of `len` bytes at `at` (read into this memory, or copied to where lineFor said),
 * with `slots` slots: 1 when it is one JSON object and the picked values are in OUT and NUMS, 0
 * when fields.ts should let JSON.parse decide.
 */
export function walk(at: usize, len: i32, slots: i32): i32 {
  LINE = at;
  END = LINE + <usize>len;
  for (let s = 0; s < slots; s++) setTag(s, T_UNDEFINED);
  const i = ws(LINE);
  if (ch(i) != 0x7b) return 0;
  const e = object(i, 0, 0);
  if (e == 0 || ws(e) != END) return 0;
  // Remember the strings read (the JavaScript side keeps their decoded text alike).
  for (let s = 0; s < slots; s++) {
    const o = OUT + (<usize>s << 4);
    const n = load<i32>(o, 8);
    if (load<i32>(o) == T_STRING && n <= LAST_MAX) {
      memory.copy(LAST + <usize>(s * LAST_MAX), LINE + <usize>load<i32>(o, 4), <usize>n);
      store<i32>(LAST_LEN + (<usize>s << 2), n);
    }
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Rows: a report's path (rows.ts). `row` walks a line and, when it is a usage line of the
// usual shape, makes it a row of the file's packed columns (pack.ts layout) itself: the
// response key (source tag 0x63, message id, `:`, request id) is hashed and looked up in the
// file's own hash table, and a later copy of a response replaces the row kept when it wins by
// the final-chunk rule (dedup.ts `supersedes`). Lines it does not decide (a walk that gave up, a
// timestamp to parse, a number with a fraction) go back to JavaScript, which reads them as
// before and adds the entry through `addEntry`, so rows keep the order responses were first seen.

/** The picked slots a row is made from (fields.ts numbers them; `rowSlots` tells). */
let S_TIME = 0;
let S_REQ = 0;
let S_COST = 0;
let S_MSG = 0;
let S_ID = 0;
let S_MODEL = 0;
let S_STOP = 0;
let S_USAGE = 0;
let S_IN = 0;
let S_OUT = 0;
let S_CW = 0;
let S_CR = 0;
let S_CC = 0;
let S_1H = 0;
let NSLOTS = 0;

export function rowSlots(time: i32, req: i32, cost: i32, msg: i32, id: i32, model: i32, stop: i32, usage: i32, input: i32, output: i32, cw: i32, cr: i32, cc: i32, h1: i32, slots: i32): void {
  S_TIME = time;
  S_REQ = req;
  S_COST = cost;
  S_MSG = msg;
  S_ID = id;
  S_MODEL = model;
  S_STOP = stop;
  S_USAGE = usage;
  S_IN = input;
  S_OUT = output;
  S_CW = cw;
  S_CR = cr;
  S_CC = cc;
  S_1H = h1;
  NSLOTS = slots;
}

/** Numbers per row (pack.ts PACKED_NUMS) and their places. */
const F: usize = 10;
const N_TIME: usize = 0;
const N_IN: usize = 8;
const N_OUT: usize = 16;
const N_CR: usize = 24;
const N_CW: usize = 32;
const N_REASONING: usize = 40;
const N_COST: usize = 48;
const N_FINAL: usize = 56;
const N_1H: usize = 64;
const N_CALC: usize = 72;

/** One row's numbers, as `row` or the JavaScript side (`addEntry`) sets them before adding. */
const ARGS: usize = memory.data(80, 16);
const UNKNOWN: usize = memory.data<u8>([0x75, 0x6e, 0x6b, 0x6e, 0x6f, 0x77, 0x6e]); // "unknown"

// The file's rows: numbers (F float64), string references (source, model, session, project:
// 0, 3 + model, 1, 2), key hash, running end of key bytes; key bytes; hash slots (row + 1).
let ROWS: i32 = 0;
let CAP: i32 = 0;
let NUMS_AT: usize = 0;
let REFS_AT: usize = 0;
let HASH_AT: usize = 0;
let END_AT: usize = 0;
let KEYS_AT: usize = 0;
let KEYS_CAP: usize = 0;
let KEYS_USED: usize = 0;
let SLOT_AT: usize = 0;
let SLOT_CAP: i32 = 0;
let KEYED: i32 = 0;
let DUPS: i32 = 0;
// Models: offset and length of each name's bytes.
let MODELS: i32 = 0;
let MODEL_CAP: i32 = 0;
let MODEL_AT: usize = 0;
let MBYTES_AT: usize = 0;
let MBYTES_CAP: usize = 0;
let MBYTES_USED: usize = 0;
let LAST_MODEL: i32 = -1;
// Where a key is put together (and, from JavaScript, the model name after it).
let KBUF_AT: usize = 0;
let KBUF_CAP: usize = 0;

/**
 * Forget the strings remembered per slot: walks made for rows are not decoded by the JavaScript
 * side, whose copies of those strings (fields.ts `last`) would be stale for a T_SAME.
 */
function forgetLast(): void {
  for (let s: usize = 0; s < <usize>MAX_SLOTS; s++) store<i32>(LAST_LEN + (s << 2), -1);
}

/**
 * Start a file: every row, key and model forgotten, the memory taken back (capacities kept).
 * `rows`: how many rows the file may hold at most, as the JavaScript side guesses from its size:
 * room for them is set aside up front (memory is only touched as rows are written), so the
 * columns are not copied to larger ones as they fill.
 */
export function rowsBegin(rows: i32): void {
  forgetLast();
  BUMP = BASE;
  if (LINE_CAP > 0) LINE_AT = alloc(LINE_CAP);
  CAP = max(CAP, rows);
  KEYS_CAP = max(KEYS_CAP, <usize>rows * 64);
  if (CAP == 0) CAP = 256;
  if (SLOT_CAP == 0) SLOT_CAP = 512;
  if (KEYS_CAP == 0) KEYS_CAP = 16384;
  if (MODEL_CAP == 0) MODEL_CAP = 16;
  if (MBYTES_CAP == 0) MBYTES_CAP = 1024;
  if (KBUF_CAP == 0) KBUF_CAP = 1024;
  NUMS_AT = alloc(<usize>CAP * F * 8);
  REFS_AT = alloc(<usize>CAP * 16);
  HASH_AT = alloc(<usize>CAP * 4);
  END_AT = alloc(<usize>CAP * 4);
  KEYS_AT = alloc(KEYS_CAP);
  SLOT_AT = alloc(<usize>SLOT_CAP * 4);
  memory.fill(SLOT_AT, 0, <usize>SLOT_CAP * 4);
  MODEL_AT = alloc(<usize>MODEL_CAP * 8);
  MBYTES_AT = alloc(MBYTES_CAP);
  KBUF_AT = alloc(KBUF_CAP);
  ROWS = 0;
  KEYS_USED = 0;
  KEYED = 0;
  DUPS = 0;
  MODELS = 0;
  MBYTES_USED = 0;
  LAST_MODEL = -1;
}

/** Room for `n` bytes where keys are put together; where that is. */
export function scratch(n: i32): usize {
  if (<usize>n > KBUF_CAP) {
    KBUF_CAP = max(<usize>n, KBUF_CAP * 2);
    KBUF_AT = alloc(KBUF_CAP);
  }
  return KBUF_AT;
}

export function args(): usize {
  return ARGS;
}

/** What `rowsEnd` leaves for the JavaScript side to copy out. */
const INFO: usize = memory.data(64, 16);

/** The file's rows are done: their count and places, in INFO (words). */
export function rowsEnd(): usize {
  forgetLast();
  store<i32>(INFO, ROWS);
  store<i32>(INFO, <i32>KEYS_USED, 4);
  store<i32>(INFO, DUPS, 8);
  store<i32>(INFO, MODELS, 12);
  store<i32>(INFO, <i32>NUMS_AT, 16);
  store<i32>(INFO, <i32>REFS_AT, 20);
  store<i32>(INFO, <i32>HASH_AT, 24);
  store<i32>(INFO, <i32>END_AT, 28);
  store<i32>(INFO, <i32>KEYS_AT, 32);
  store<i32>(INFO, <i32>MODEL_AT, 36);
  store<i32>(INFO, <i32>MBYTES_AT, 40);
  return INFO;
}

// @ts-ignore: decorator
@inline function tagOf(slot: i32): i32 {
  return load<i32>(OUT + (<usize>slot << 4));
}
// @ts-ignore: decorator
@inline function spanAt(slot: i32): usize {
  return LINE + <usize>load<i32>(OUT + (<usize>slot << 4), 4);
}
// @ts-ignore: decorator
@inline function spanLen(slot: i32): i32 {
  return load<i32>(OUT + (<usize>slot << 4), 8);
}
// @ts-ignore: decorator
@inline function numAt(slot: i32): f64 {
  return load<f64>(NUMS + (<usize>slot << 3));
}
// @ts-ignore: decorator
@inline function isText(slot: i32): bool {
  const t = tagOf(slot);
  return (t == T_STRING || t == T_SAME) && spanLen(slot) > 0;
}

/** A token count as adapter.ts reads it: a positive finite number, else 0 (-1: JavaScript converts it). */
function count(slot: i32): f64 {
  const t = tagOf(slot);
  if (t == T_NUMBER) return numAt(slot);
  return t == T_NUMBER_TEXT ? -1 : 0;
}

/** FNV-1a and a final mix (keys.ts hashBytes, the same numbers). */
function hashKey(p: usize, n: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

function sameBytes(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** The model named by n bytes at p, as an index among the file's models. */
function intern(p: usize, n: i32): i32 {
  if (LAST_MODEL >= 0) {
    const m = MODEL_AT + (<usize>LAST_MODEL << 3);
    if (load<i32>(m, 4) == n && sameBytes(MBYTES_AT + <usize>load<i32>(m), p, <usize>n)) return LAST_MODEL;
  }
  for (let k = 0; k < MODELS; k++) {
    const m = MODEL_AT + (<usize>k << 3);
    if (load<i32>(m, 4) == n && sameBytes(MBYTES_AT + <usize>load<i32>(m), p, <usize>n)) return (LAST_MODEL = k);
  }
  if (MODELS == MODEL_CAP) {
    MODEL_AT = regrow(MODEL_AT, <usize>MODEL_CAP * 8, <usize>MODEL_CAP * 16);
    MODEL_CAP *= 2;
  }
  if (MBYTES_USED + <usize>n > MBYTES_CAP) {
    const want = max(MBYTES_CAP * 2, MBYTES_USED + <usize>n);
    MBYTES_AT = regrow(MBYTES_AT, MBYTES_USED, want);
    MBYTES_CAP = want;
  }
  memory.copy(MBYTES_AT + MBYTES_USED, p, <usize>n);
  const m = MODEL_AT + (<usize>MODELS << 3);
  store<i32>(m, <i32>MBYTES_USED);
  store<i32>(m, n, 4);
  MBYTES_USED += <usize>n;
  return (LAST_MODEL = MODELS++);
}

function growRows(): void {
  const cap = <usize>CAP;
  NUMS_AT = regrow(NUMS_AT, cap * F * 8, cap * F * 16);
  REFS_AT = regrow(REFS_AT, cap * 16, cap * 32);
  HASH_AT = regrow(HASH_AT, cap * 4, cap * 8);
  END_AT = regrow(END_AT, cap * 4, cap * 8);
  CAP *= 2;
}

function growSlots(): void {
  const cap = SLOT_CAP * 2;
  const at = alloc(<usize>cap * 4);
  memory.fill(at, 0, <usize>cap * 4);
  const mask = <u32>(cap - 1);
  for (let i = 0; i < SLOT_CAP; i++) {
    const v = load<i32>(SLOT_AT + (<usize>i << 2));
    if (v == 0) continue;
    let j = load<u32>(HASH_AT + (<usize>(v - 1) << 2)) & mask;
    while (load<i32>(at + (<usize>j << 2)) != 0) j = (j + 1) & mask;
    store<i32>(at + (<usize>j << 2), v);
  }
  SLOT_AT = at;
  SLOT_CAP = cap;
}

/**
 * Add the row in ARGS, keyed by the `klen` bytes at KBUF_AT (0: no key), its model named by the
 * `mlen` bytes at `mp`: a new row, or (a key seen before) the kept row replaced when this copy
 * wins. The number of rows.
 */
function add(klen: i32, mp: usize, mlen: i32): i32 {
  const model = intern(mp, mlen);
  let h: u32 = 0;
  if (klen > 0) {
    h = hashKey(KBUF_AT, <usize>klen);
    const mask = <u32>(SLOT_CAP - 1);
    let i = h & mask;
    while (true) {
      const at = SLOT_AT + (<usize>i << 2);
      const r = load<i32>(at) - 1;
      if (r < 0) {
        store<i32>(at, ROWS + 1);
        // The new row's hash first: growing the slots rehashes every row, this one included.
        if (ROWS == CAP) growRows();
        store<u32>(HASH_AT + (<usize>ROWS << 2), h);
        break;
      }
      if (load<u32>(HASH_AT + (<usize>r << 2)) == h) {
        const s: usize = r == 0 ? 0 : <usize>load<i32>(END_AT + (<usize>(r - 1) << 2));
        const e = <usize>load<i32>(END_AT + (<usize>r << 2));
        if (e - s == <usize>klen && sameBytes(KEYS_AT + s, KBUF_AT, <usize>klen)) {
          DUPS++;
          const o = NUMS_AT + <usize>r * F * 8;
          const keptFinal = load<f64>(o + N_FINAL) == 1;
          const final = load<f64>(ARGS + N_FINAL) == 1;
          if (final != keptFinal ? final : load<f64>(ARGS + N_OUT) > load<f64>(o + N_OUT)) {
            memory.copy(o, ARGS, F * 8);
            store<i32>(REFS_AT + (<usize>r << 4), 3 + model, 4);
          }
          return ROWS;
        }
      }
      i = (i + 1) & mask;
    }
    if (++KEYED * 2 > SLOT_CAP) growSlots();
  }
  if (ROWS == CAP) growRows();
  const r = <usize>ROWS;
  memory.copy(NUMS_AT + r * F * 8, ARGS, F * 8);
  const refs = REFS_AT + (r << 4);
  store<i32>(refs, 0);
  store<i32>(refs, 3 + model, 4);
  store<i32>(refs, 1, 8);
  store<i32>(refs, 2, 12);
  store<u32>(HASH_AT + (r << 2), h);
  if (KEYS_USED + <usize>klen > KEYS_CAP) {
    const want = max(KEYS_CAP * 2, KEYS_USED + <usize>klen);
    KEYS_AT = regrow(KEYS_AT, KEYS_USED, want);
    KEYS_CAP = want;
  }
  memory.copy(KEYS_AT + KEYS_USED, KBUF_AT, <usize>klen);
  KEYS_USED += <usize>klen;
  store<i32>(END_AT + (r << 2), <i32>KEYS_USED);
  return ++ROWS;
}

/** An entry the JavaScript side read (numbers in ARGS, key then model name at KBUF_AT), as `add`. */
export function addEntry(klen: i32, mlen: i32): i32 {
  return add(klen, KBUF_AT + <usize>klen, mlen);
}

/**
 * The line of `len` bytes at `at` (as `walk` takes it) as a row: the number of rows after it (at
 * least 1); 0 when it counts nothing (no message.usage with token counts: adapter.ts skips it
 * too); -1 when the walk gave up (JSON.parse decides); -2 when it is to be read in JavaScript
 * from the walk's slots (a timestamp to parse or none, a number to convert).
 */
export function row(at: usize, len: i32): i32 {
  if (walk(at, len, NSLOTS) == 0) return -1;
  if (tagOf(S_MSG) != T_VIEW || tagOf(S_USAGE) != T_VIEW) return 0;
  const ti = tagOf(S_IN);
  const to = tagOf(S_OUT);
  if (ti == T_NUMBER_TEXT || to == T_NUMBER_TEXT) return -2;
  if (ti != T_NUMBER || to != T_NUMBER) return 0;
  if (tagOf(S_TIME) != T_NUMBER) return -2;
  const cw = count(S_CW);
  const cr = count(S_CR);
  const h1 = count(S_1H);
  const tc = tagOf(S_COST);
  if (cw < 0 || cr < 0 || h1 < 0 || tc == T_NUMBER_TEXT) return -2;
  const a = ARGS;
  store<f64>(a + N_TIME, numAt(S_TIME));
  store<f64>(a + N_IN, numAt(S_IN));
  store<f64>(a + N_OUT, numAt(S_OUT));
  store<f64>(a + N_CR, cr);
  store<f64>(a + N_CW, cw);
  store<f64>(a + N_REASONING, 0);
  store<f64>(a + N_COST, tc == T_NUMBER ? numAt(S_COST) : NaN);
  const ts = tagOf(S_STOP);
  store<f64>(a + N_FINAL, ts != T_UNDEFINED && ts != T_NULL ? 1 : 0);
  store<f64>(a + N_1H, min(h1, cw));
  store<f64>(a + N_CALC, NaN);
  let klen = 0;
  if (isText(S_ID) && isText(S_REQ)) {
    const ni = spanLen(S_ID);
    const nr = spanLen(S_REQ);
    klen = ni + nr + 2;
    const k = scratch(klen);
    store<u8>(k, 0x63);
    memory.copy(k + 1, spanAt(S_ID), <usize>ni);
    store<u8>(k + 1 + <usize>ni, 0x3a);
    memory.copy(k + 2 + <usize>ni, spanAt(S_REQ), <usize>nr);
  }
  return isText(S_MODEL) ? add(klen, spanAt(S_MODEL), spanLen(S_MODEL)) : add(klen, UNKNOWN, 7);
}

// ---------------------------------------------------------------------------------------------
// Scanning: the complete lines of a chunk read into this memory (rows.ts), one call for many
// lines. Lines holding `_tokens"` go through `row`; the others are checked to end in `}` (a
// line cut short is malformed), as lines.ts does line by line. It stops at a line JavaScript
// must read (row gave -1 or -2), at the row limit, or when the list of malformed lines is full.

/**
 * What `scan` leaves (words): status; the start and end (from the chunk) of the line it stopped
 * at (the last line, when done); the rows so far; how many malformed lines it found, whose
 * starts (from the chunk) are at SCAN_BAD. A line left to JavaScript is read there afresh.
 */
const SCAN_OUT: usize = memory.data(20, 16);
const SCAN_BAD_MAX: i32 = 1024;
const SCAN_BAD: usize = memory.data(SCAN_BAD_MAX * 4, 16);
// Statuses.
const SCAN_DONE: i32 = 0;
const SCAN_JS: i32 = 1;
const SCAN_LIMIT: i32 = 2;
const SCAN_FULL: i32 = 3;

export function scanOut(): usize {
  return SCAN_OUT;
}

export function scanBad(): usize {
  return SCAN_BAD;
}

/** The next newline at or after `i` before `end`, or `end`. */
function newline(i: usize, end: usize): usize {
  const nl = i8x16.splat(0x0a);
  while (i + 16 <= end) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(i), nl));
    if (m != 0) return i + <usize>ctz<i32>(m);
    i += 16;
  }
  while (i < end && load<u8>(i) != 0x0a) i++;
  return i;
}

/** Whether [s, e) holds `_tokens"`. */
function hasNeedle(s: usize, e: usize): bool {
  const u = i8x16.splat(0x5f);
  // "_tokens\"" little-endian: the 8 bytes compared at once.
  const word: u64 = 0x22736e656b6f745f;
  let i = s;
  while (i + 16 <= e) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(i), u));
    while (m != 0) {
      const k = i + <usize>ctz<i32>(m);
      if (k + 8 <= e && load<u64>(k) == word) return true;
      m &= m - 1;
    }
    i += 16;
  }
  for (; i + 8 <= e; i++) if (load<u64>(i) == word) return true;
  return false;
}

/** Blank, or its last byte before trailing blanks is `}` (lines.ts looksLikeObject). */
function objectShaped(s: usize, e: usize): bool {
  let i = e;
  while (i > s) {
    const c = load<u8>(i - 1);
    if (c != 0x20 && c != 0x0d && c != 0x09) return c == 0x7d;
    i--;
  }
  return true;
}

/**
 * The complete lines of the chunk at `at`, from `pos` to `limit` (just past a newline), with
 * `rows` rows so far of a limit of `rowLimit`: see SCAN_OUT for what it leaves.
 */
export function scan(at: usize, pos: i32, limit: i32, rows: i32, rowLimit: i32): void {
  const end = at + <usize>limit;
  let ls = at + <usize>pos;
  let bad = 0;
  let status = SCAN_DONE;
  let le: usize = ls;
  while (ls < end) {
    le = newline(ls, end);
    if (hasNeedle(ls, le)) {
      const r = row(ls, <i32>(le - ls));
      if (r < 0) {
        status = SCAN_JS;
        break;
      }
      if (r > 0) rows = r;
      if (rows >= rowLimit) {
        status = SCAN_LIMIT;
        break;
      }
    } else if (!objectShaped(ls, le)) {
      store<i32>(SCAN_BAD + (<usize>bad << 2), <i32>(ls - at));
      if (++bad == SCAN_BAD_MAX) {
        status = SCAN_FULL;
        break;
      }
    }
    ls = le + 1;
  }
  store<i32>(SCAN_OUT, status);
  store<i32>(SCAN_OUT + 4, <i32>(ls - at));
  store<i32>(SCAN_OUT + 8, <i32>(le - at));
  store<i32>(SCAN_OUT + 12, rows);
  store<i32>(SCAN_OUT + 16, bad);
}
