/**
 * Dedup keys as bytes, off the JavaScript heap.
 *
 * A report keeps one key per response (message id + request id, ~57 bytes)
 * for as long as it runs: a 5 GB tree holds ~450k of them. As strings in a Map
 * they cost ~160 bytes each of heap that every major garbage collection walks
 * again; here a key is its UTF-8 bytes in a chunk of an arena plus 8 bytes of
 * place, and the dedup's hash table is an Int32Array. Keys are compared byte for
 * byte after the hash, so two different keys are never merged.
 */

/** Keys of packed rows: row i's key is bytes[ends[i-1], ends[i]) (ends[-1] = 0); empty: no key. */
export interface KeyColumn {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** The start of row i's key in a key column. */
export const keyStart = (c: KeyColumn, i: number): number => (i === 0 ? 0 : c.ends[i - 1]!);

/**
 * A stored key: one byte naming the source (so Claude Code and Codex keys never collide), then
 * the key's UTF-8 bytes. `encodeKey` writes it into a reused buffer (`keyScratch()`) and returns
 * its length there; `decodeKey` gives the key string back.
 */
let scratch = Buffer.allocUnsafe(256);
export const keyScratch = (): Buffer => scratch;
export function encodeKey(tag: number, s: string): number {
  if (s.length * 3 + 1 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length * 3 + 1, scratch.length * 2));
  scratch[0] = tag;
  return 1 + scratch.write(s, 1, 'utf8'); // native: no loop that V8 must first warm up
}

export function decodeKey(b: Uint8Array, s: number, e: number): string | null {
  if (e <= s) return null;
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return buf.toString('utf8', s + 1, e);
}

/** FNV-1a over bytes with a final mix (Murmur3's): cheap, and well spread in the low bits a table uses. */
export function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number): boolean {
  for (let i = as, j = bs; i < ae; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

const CHUNK_BITS = 18;
const CHUNK = 1 << CHUNK_BITS;

/**
 * Append-only key bytes in 256 KB chunks (a chunk is never copied once full; a key never
 * straddles two). A key's place is one number: chunk << 18 | offset.
 */
export class KeyArena {
  chunks: Buffer[] = [];
  /** Bytes used in each chunk before the current one. */
  private filled: number[] = [];
  /** The chunk being filled, and how much of it is. */
  private cur = -1;
  private used = CHUNK;

  /** Copy b[s, e) in; its place. */
  add(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (this.used + n > CHUNK) {
      // The next chunk (kept from before a `clear`, unless too small for this key).
      if (this.cur >= 0) this.filled[this.cur] = this.used;
      if (++this.cur === this.chunks.length) this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK, n)));
      else if (this.chunks[this.cur]!.length < n) this.chunks[this.cur] = Buffer.allocUnsafe(n);
      this.used = 0;
    }
    const chunk = this.chunks[this.cur]!;
    const at = this.used;
    for (let i = 0; i < n; i++) chunk[at + i] = b[s + i]!; // keys are short: cheaper than a native copy
    this.used += n;
    return this.cur * CHUNK + at;
  }

  /** Every key's bytes, in the order they were added, into `out` (which has room for them). */
  copyTo(out: Uint8Array): void {
    let at = 0;
    for (let c = 0; c <= this.cur; c++) {
      const n = c === this.cur ? this.used : this.filled[c]!;
      out.set(this.chunks[c]!.subarray(0, n), at);
      at += n;
    }
  }

  /** Forget every key; the chunks are kept for the next ones. */
  clear(): void {
    this.cur = -1;
    this.used = CHUNK;
  }

  chunk(place: number): Buffer {
    return this.chunks[Math.floor(place / CHUNK)]!;
  }

  offset(place: number): number {
    return place % CHUNK;
  }
}

/**
 * Open-addressing hash set of row numbers whose keys live elsewhere (`keyOf` finds a row's
 * bytes): the dedup's index. Load stays at or under one half.
 */
export class KeyIndex {
  private slots = new Int32Array(1024); // row + 1; 0: empty
  private hashes = new Uint32Array(1024); // per row
  private size = 0;

  /** Forget every row (the table keeps its size). */
  clear(): void {
    if (this.size > 0) this.slots.fill(0);
    this.size = 0;
  }

  /**
   * The row already holding b[s, e), or -1 after recording `row` for it. `keyOf(row)` must put
   * that row's key in `at` ([bytes, start, end]) and return it.
   */
  findOrAdd(b: Uint8Array, s: number, e: number, row: number, keyOf: (row: number) => KeyRef, hash = hashBytes(b, s, e)): number {
    const h = hash;
    const mask = this.slots.length - 1;
    const n = e - s;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const r = this.slots[i]! - 1;
      if (r === -1) {
        this.slots[i] = row + 1;
        if (row >= this.hashes.length) {
          const bigger = new Uint32Array(Math.max(this.hashes.length * 2, row + 1));
          bigger.set(this.hashes);
          this.hashes = bigger;
        }
        this.hashes[row] = h;
        if (++this.size * 2 > this.slots.length) this.grow();
        return -1;
      }
      if (this.hashes[r] === h) {
        const k = keyOf(r);
        if (k.end - k.start === n && sameBytes(b, s, e, k.bytes, k.start)) return r;
      }
    }
  }

  /** The hash of each of the first `n` rows' keys (0 for a row without a key). */
  rowHashes(n: number): Uint32Array {
    return this.hashes.slice(0, n);
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (const v of this.slots) {
      if (v === 0) continue;
      let i = this.hashes[v - 1]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = v;
    }
    this.slots = slots;
  }
}

/** Where a key's bytes are: bytes[start, end). One reused instance per table. */
export interface KeyRef {
  bytes: Uint8Array;
  start: number;
  end: number;
}
