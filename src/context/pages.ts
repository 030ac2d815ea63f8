/**
 * A plain server-rendered check-in page (the dashboard in web/ will replace
 * it). It posts JSON to the API with the viewer's own session; nothing here
 * reads entries itself.
 */
import { escapeHtml } from './render.js';
import { LIMITS } from './schema.js';

export function checkinPage(reminder: { week: string; due: boolean; message: string | null }): string {
  const area = (name: string, label: string) =>
    `<label>${escapeHtml(label)}<textarea name="${name}" maxlength="${LIMITS.text}" rows="3"></textarea></label>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weekly check-in · tokenboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
header{background:#1d2433;color:#fff;padding:14px 28px}main{padding:20px 28px;max-width:760px}
form{background:#fff;border-radius:8px;padding:16px 22px;box-shadow:0 1px 2px #0002}
label{display:block;margin:10px 0;font-weight:600}textarea,input,select{display:block;width:100%;margin-top:4px;font:inherit;padding:6px;box-sizing:border-box}
.reminder{background:#fff6d8;border-radius:8px;padding:10px 16px;margin-bottom:14px}.error{color:#a31515}
</style></head><body><header><strong>tokenboard</strong> · weekly check-in · week of ${escapeHtml(reminder.week)}</header><main>
${reminder.due && reminder.message ? `<p class="reminder" id="reminder">${escapeHtml(reminder.message)}</p>` : ''}
<form id="checkin">
${area('tried', 'What did you try new this week, for yourself?')}
${area('triedForTeam', 'For your team?')}
${area('triedForCompany', 'For the company?')}
${area('learned', 'What did you learn? (Markdown; failures count)')}
<label>Tags (comma-separated)<input name="tags" maxlength="${LIMITS.tags * (LIMITS.tag + 1)}"></label>
<label>Who can see it<select name="visibility"><option value="team" selected>my team</option><option value="organisation">the organisation</option><option value="private">only me</option></select></label>
<button type="submit">Share check-in</button>
<p id="result" role="status"></p>
</form></main>
<script>
document.getElementById('checkin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { visibility: f.get('visibility'), tags: String(f.get('tags') || '').split(',').map((t) => t.trim()).filter(Boolean) };
  for (const k of ['tried', 'triedForTeam', 'triedForCompany', 'learned']) if (String(f.get(k) || '').trim()) body[k] = f.get(k);
  const out = document.getElementById('result');
  const res = await fetch('/api/v1/context/checkins', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  const j = await res.json().catch(() => ({}));
  out.textContent = '';
  if (!res.ok) { out.className = 'error'; out.textContent = j.error || ('failed: HTTP ' + res.status); return; }
  out.className = '';
  out.append('Shared. ');
  const a = document.createElement('a');
  a.id = 'digest-link';
  a.href = '/context/digest' + (j.team && j.visibility !== 'organisation' ? '?team=' + encodeURIComponent(j.team) : '');
  a.textContent = j.visibility === 'private' ? 'Saved privately (not in any digest)' : 'See it in the digest';
  out.append(a);
});
</script></body></html>`;
}
