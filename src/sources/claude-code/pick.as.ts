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
/** Where the line is copied: the start of free memory (the JavaScript side grows memory to fit). */
export function line(): usize {
  return (__heap_base + 15) & ~(<usize>15);
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
 * Walk the line of `len` bytes at line(), with `slots` slots: 1 when it is one JSON object and
 * the picked values are in OUT and NUMS, 0 when fields.ts should let JSON.parse decide.
 */
export function walk(len: i32, slots: i32): i32 {
  LINE = line();
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
