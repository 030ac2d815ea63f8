/**
 * Rendering user text safely. People write Markdown; it becomes HTML only
 * here: `marked` parses it and `sanitize-html` keeps a small allow-list of
 * tags, so no script, event handler, style or javascript: URL survives.
 * Text placed into Markdown output (digests, chat payloads) has &, < and >
 * escaped, so raw HTML never reaches a renderer that would honour it.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: true, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }) },
};
SANITIZE.allowedAttributes = { a: ['href', 'title', 'rel'] };

/** Markdown (untrusted) to HTML that is safe to put in a page. */
export function markdownToHtml(markdown: string): string {
  return sanitizeHtml(marked.parse(markdown) as string, SANITIZE);
}

/** Escape for HTML text and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** User text to be embedded in Markdown: HTML-significant characters escaped, Markdown kept. */
export function mdText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text on one Markdown line (headings, list items, link labels). */
export function mdInline(s: string): string {
  return mdText(s.replace(/\s+/g, ' ').trim()).replace(/([\\`*_[\]#|])/g, '\\$1');
}
