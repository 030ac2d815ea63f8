/**
 * Streaming JSONL reading for local agent logs. Files are read in fixed-size
 * chunks into one reusable buffer, so memory stays flat however large a file
 * is (only a single line longer than the buffer makes it grow, to that line).
 *
 * With a `needle`, lines that do not contain it are skipped without being
 * looked at one by one: `Buffer.indexOf` jumps from match to match and only
 * the line around a match is handed over. In Claude Code transcripts most
 * bytes are tool results and text in lines without usage, so this is where
 * the speed comes from.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const NL = 10;
const DEFAULT_CHUNK = 1 << 20;

export interface LineScan {
  /** Offset just past the last complete (newline-terminated) line. */
  end: number;
  /** Bytes after `end` that were not newline-terminated at EOF (a line being written, or a truncated one). */
  tailBytes: number;
}

/**
 * Visit the lines of `file` from byte offset `from`.
 * `onLine(buf, start, end, offset, complete)`: the line is `buf[start, end)` (without the newline),
 * starting at byte `offset` of the file; `complete` is false only for an unterminated last line.
 */
export function scanLines(
  file: string,
  onLine: (buf: Buffer, start: number, end: number, offset: number, complete: boolean) => void,
  opts: {
    from?: number;
    needle?: Buffer;
    chunkSize?: number;
    buffer?: Buffer;
    /**
     * With a needle: called for a skipped line that cannot be a JSON object (its last
     * non-blank byte is not `}`), so truncated lines are counted without parsing every line.
     */
    onBadShape?: (offset: number, complete: boolean) => void;
    /**
     * Instead of the line by line loop (with `onLine` and `onBadShape`): take every complete line
     * of buf[pos, limit) (limit just past a newline) at once, and give back the buffer (a view
     * made again when the lines grew the memory it is a view of).
     */
    lines?: (buf: Buffer, pos: number, limit: number, filePos: number) => Buffer;
  } = {},
): LineScan {
  const onBadShape = opts.onBadShape;
  const needle = opts.needle;
  let buf = opts.buffer ?? Buffer.allocUnsafe(opts.chunkSize ?? DEFAULT_CHUNK);
  const fd = openSync(file, 'r');
  let filePos = opts.from ?? 0; // file offset of buf[0]
  let len = 0; // valid bytes in buf
  let eof = false;
  try {
    for (;;) {
      if (!eof) {
        if (len === buf.length) {
          // One line longer than the buffer: grow to hold it.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const n = readSync(fd, buf, len, buf.length - len, filePos + len);
        if (n === 0) eof = true;
        len += n;
      }
      // Process every complete line in buf[0, len).
      let pos = 0;
      const lastNl = len > 0 ? buf.lastIndexOf(NL, len - 1) : -1;
      const limit = lastNl + 1; // complete lines live in [0, limit)
      if (opts.lines) {
        if (pos < limit) buf = opts.lines(buf, pos, limit, filePos);
        pos = limit;
      } else if (needle && onBadShape) {
        eachLine(buf, pos, limit, filePos, needle, onLine, onBadShape);
        pos = limit;
      } else if (needle) {
        while (pos < limit) {
          const hit = buf.indexOf(needle, pos);
          if (hit === -1 || hit >= limit) {
            pos = limit;
            break;
          }
          const ls = buf.lastIndexOf(NL, hit) + 1;
          const le = buf.indexOf(NL, hit);
          onLine(buf, ls, le, filePos + ls, true);
          pos = le + 1;
        }
      } else {
        while (pos < limit) {
          const le = buf.indexOf(NL, pos);
          onLine(buf, pos, le, filePos + pos, true);
          pos = le + 1;
        }
      }
      if (eof) {
        const tail = len - limit;
        if (tail > 0 && (!needle || buf.subarray(limit, len).indexOf(needle) !== -1)) {
          onLine(buf, limit, len, filePos + limit, false);
        } else if (tail > 0 && onBadShape && !looksLikeObject(buf, limit, len)) onBadShape(filePos + limit, false);
        return { end: filePos + limit, tailBytes: tail };
      }
      // Keep the partial line, read on.
      if (limit > 0) {
        buf.copy(buf, 0, limit, len);
        filePos += limit;
        len -= limit;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The complete lines of buf[pos, limit) (limit just past a newline), as scanLines hands them over
 * with a needle and `onBadShape`: every line is walked (newlines are found by memchr, cheap) to
 * check its shape, and only those holding the needle (found by a separate search that jumps
 * ahead) go to `onLine`.
 */
export function eachLine(
  buf: Buffer,
  pos: number,
  limit: number,
  filePos: number,
  needle: Buffer,
  onLine: (buf: Buffer, start: number, end: number, offset: number, complete: boolean) => void,
  onBadShape: (offset: number, complete: boolean) => void,
): void {
  let hit = buf.indexOf(needle, pos);
  while (pos < limit) {
    const le = buf.indexOf(NL, pos);
    if (hit !== -1 && hit < le) {
      onLine(buf, pos, le, filePos + pos, true);
      hit = buf.indexOf(needle, le + 1);
    } else if (!looksLikeObject(buf, pos, le)) onBadShape(filePos + pos, true);
    pos = le + 1;
  }
}

/** Blank, or ends with `}` after trailing blanks: could be a JSON object line. */
function looksLikeObject(buf: Buffer, s: number, e: number): boolean {
  let i = e - 1;
  while (i >= s && (buf[i] === 32 || buf[i] === 13 || buf[i] === 9)) i--;
  return i < s || buf[i] === 125;
}

/** 1-based line numbers of the lines starting at the given byte offsets (one pass; used only to word warnings). */
export function lineNumbersAt(file: string, offsets: number[]): Map<number, number> {
  const wanted = new Set(offsets);
  const out = new Map<number, number>();
  let line = 0;
  scanLines(file, (_b, _s, _e, off) => {
    line++;
    if (wanted.has(off)) out.set(off, line);
  });
  return out;
}
