/** Small server-rendered pages for sign-in and setup (no scripts: the CSP forbids inline ones). */
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · tokenboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
header{background:#1d2433;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}
main{padding:20px 28px;max-width:760px}form{background:#fff;border-radius:8px;padding:18px;box-shadow:0 1px 2px #0002;margin:14px 0}
label{display:block;margin:8px 0 2px}input{font:inherit;padding:6px;width:100%;max-width:360px}
button,.button{font:inherit;margin-top:12px;padding:7px 16px;background:#1d2433;color:#fff;border:0;border-radius:6px;text-decoration:none;display:inline-block}
.error{color:#a01}</style></head>
<body><header><h1>tokenboard</h1></header><main>${body}</main></body></html>`;
}

export function signInPage(opts: { error?: string; oidcLabel?: string }): string {
  return page(
    'Sign in',
    `<h2>Sign in</h2>${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<form method="post" action="/auth/sign-in">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
${opts.oidcLabel ? `<p><a class="button" id="sso" href="/auth/oidc/start">Sign in with ${esc(opts.oidcLabel)}</a></p>` : ''}
<p><a href="/privacy">What tokenboard collects and who can see it</a></p>`,
  );
}

export function linkPage(token: string, error?: string): string {
  return page(
    'Sign-in link',
    `<h2>One-time sign-in</h2>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/auth/link"><input type="hidden" name="token" value="${esc(token)}">
<p>This link signs you in once and then stops working.</p><button type="submit" id="continue">Continue</button></form>`,
  );
}

export function setupPage(token: string, error?: string): string {
  return page(
    'First-run setup',
    `<h2>Create the first administrator</h2>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/setup"><input type="hidden" name="token" value="${esc(token)}">
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="name">Name</label><input id="name" name="name">
<label for="password">Password (at least 12 characters)</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">Create and sign in</button></form>`,
  );
}
