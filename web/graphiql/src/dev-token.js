// The "Bearer token" panel: paste a token, or (dev profile with the built-in
// development key) mint one for a role and province at POST /dev/token. Either
// way the token is written into the request headers as
// `"Authorization": "Bearer …"`, where it can be seen and edited.
import { createElement as h, useEffect, useState } from 'react';
import { useHeadersEditorState, tryParseJSONC, Button } from '@graphiql/react';

const TITLE = 'Bearer token';

function withToken(headersText, token) {
  let headers = {};
  try {
    const parsed = headersText.trim() ? tryParseJSONC(headersText) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) headers = parsed;
  } catch {
    // Unparseable headers are replaced rather than merged.
  }
  delete headers.authorization;
  delete headers.Authorization;
  if (token) headers.Authorization = `Bearer ${token}`;
  return JSON.stringify(headers, null, 2);
}

function KeyIcon() {
  return h(
    'svg',
    { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': true },
    h('circle', { cx: 8, cy: 15, r: 4 }),
    h('path', { d: 'M11 12l9-9M16 7l3 3M14 9l2 2' }),
  );
}

function Minter({ onToken }) {
  // undefined: asking; null: minting is off on this server; else the options.
  const [options, setOptions] = useState(undefined);
  const [role, setRole] = useState('national_admin');
  const [province, setProvince] = useState('');
  const [message, setMessage] = useState('');

  useEffect(() => {
    fetch('/dev/token', { headers: { accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : null))
      .then((o) => {
        setOptions(o);
        if (o?.provinces?.length) setProvince(o.provinces[0].code);
      })
      .catch(() => setOptions(null));
  }, []);

  if (options === undefined) return h('p', null, 'Checking for dev tokens…');
  if (options === null) {
    return h(
      'p',
      { className: 'coopgate-note' },
      'Minting is off on this server (it is only on in the dev profile with the built-in development key). Paste a token instead.',
    );
  }
  const needsProvince = role === 'provincial_officer';
  const mint = async () => {
    setMessage('');
    const body = { role, ...(needsProvince ? { province } : {}) };
    try {
      const r = await fetch('/dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const reply = await r.json();
      if (!r.ok) throw new Error(reply.error ?? `HTTP ${r.status}`);
      onToken(reply.token);
      setMessage(`Minted a ${role} token, valid until ${reply.expiresAt}.`);
    } catch (e) {
      setMessage(`Could not mint a token: ${e.message}`);
    }
  };
  return h(
    'div',
    { className: 'coopgate-form' },
    h('h3', null, 'Dev token'),
    h(
      'label',
      null,
      'Role ',
      h(
        'select',
        { value: role, onChange: (e) => setRole(e.target.value), name: 'role' },
        options.roles.map((r) => h('option', { key: r, value: r }, r)),
      ),
    ),
    needsProvince &&
      h(
        'label',
        null,
        'Province ',
        h(
          'select',
          { value: province, onChange: (e) => setProvince(e.target.value), name: 'province' },
          options.provinces.map((p) => h('option', { key: p.code, value: p.code }, `${p.code} ${p.name}`)),
        ),
      ),
    h(Button, { type: 'button', onClick: mint, className: 'coopgate-mint' }, 'Mint dev token'),
    message && h('p', { className: 'coopgate-note', role: 'status' }, message),
  );
}

function Content() {
  const [headers, setHeaders] = useHeadersEditorState();
  const [pasted, setPasted] = useState('');
  const use = (token) => setHeaders(withToken(headers, token.trim().replace(/^Bearer\s+/i, '')));
  return h(
    'div',
    { className: 'coopgate-token' },
    h('div', { className: 'graphiql-doc-explorer-title' }, TITLE),
    h(
      'p',
      { className: 'coopgate-note' },
      'The token goes into the request headers as "Authorization": "Bearer …" (and into the websocket connection for subscriptions).',
    ),
    h(Minter, { onToken: use }),
    h('h3', null, 'Paste a token'),
    h('textarea', {
      value: pasted,
      rows: 4,
      name: 'token',
      placeholder: 'eyJhbGciOi…',
      onChange: (e) => setPasted(e.target.value),
    }),
    h(
      'div',
      { className: 'coopgate-buttons' },
      h(Button, { type: 'button', onClick: () => use(pasted), disabled: !pasted.trim() }, 'Use token'),
      h(Button, { type: 'button', onClick: () => setHeaders(withToken(headers, '')) }, 'Remove token'),
    ),
  );
}

/** The GraphiQL plugin for the bearer token. */
export const devTokenPlugin = { title: TITLE, icon: KeyIcon, content: Content };
