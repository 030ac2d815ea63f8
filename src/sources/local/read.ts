/** Reading one log file into entries: the unit of work for the loader, its workers and the collector. */
import type { LocalEntry, SourceAdapter } from './entry.js';
import { scanLines } from './lines.js';

export interface FileRead {
  entries: LocalEntry[];
  /** Byte offset of the line each entry came from (parallel to entries). */
  offsets: number[];
  /** Byte offsets of malformed lines. */
  malformed: number[];
  /** True when the last line had no newline and did not parse: a truncated write. */
  truncatedTail: boolean;
  /** Offset just past the last complete line. */
  end: number;
  /** Parser state at `end`, to resume there. */
  snapshot: unknown;
}

export function readLogFile(
  adapter: SourceAdapter,
  file: string,
  root: string,
  opts: { from?: number; resume?: unknown; includeTail?: boolean; buffer?: Buffer; onEntry?: (e: LocalEntry, offset: number) => void } = {},
): FileRead {
  const parser = adapter.parser(file, root, opts.resume);
  const entries: LocalEntry[] = [];
  const offsets: number[] = [];
  const malformed: number[] = [];
  let truncatedTail = false;
  let snapshot: unknown = null;
  const scan = scanLines(
    file,
    (buf, s, e, offset, complete) => {
      if (!complete) {
        // The last line has no newline yet. Reports read it if it parses; the collector
        // waits for the newline so that it never sends half a line's worth of state.
        if (!opts.includeTail) return;
        snapshot = parser.snapshot();
      }
      // A UTF-8 byte order mark before the first line is not part of the JSON.
      if (offset === 0 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
      // Sources that read the bytes themselves (Claude Code) decode only what they use; for the
      // others latin1 is a faster decode than utf8 and leaves JSON structure and ASCII fields
      // (ids, model names, numbers, timestamps) intact; text fields are never used.
      const r = parser.bytes ? parser.bytes(buf, s, e) : parser.line(buf.toString('latin1', s, e));
      if (r === 'malformed') {
        if (complete) malformed.push(offset);
        else truncatedTail = true;
      } else if (r !== null && opts.onEntry) {
        opts.onEntry(r, offset); // streamed to the caller: a huge file holds no list of its lines
      } else if (r !== null) {
        entries.push(r);
        offsets.push(offset);
      }
    },
    {
      from: opts.from,
      needle: adapter.needle,
      buffer: opts.buffer,
      onBadShape: (offset, complete) => {
        if (complete) malformed.push(offset);
        else if (opts.includeTail) truncatedTail = true;
      },
    },
  );
  if (snapshot === null || !opts.includeTail) snapshot = parser.snapshot();
  return { entries, offsets, malformed, truncatedTail, end: scan.end, snapshot };
}
