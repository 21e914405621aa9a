// Builds dist/: index.html, assets/app.js, assets/app.css, the fonts, and
// persisted-operations.json (the documents the page sends, by SHA-256, for a
// deployment that turns the allow-list on). File names are fixed: coopgate
// embeds exactly these files (src/http/dashboard.rs).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// DASHBOARD_DIST builds elsewhere (CI compares that build with the committed dist/).
const dist = process.env.DASHBOARD_DIST ? resolve(process.env.DASHBOARD_DIST) : join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: join(dist, 'assets'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.woff2': 'file' },
  assetNames: '[name]',
  entryNames: '[name]',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(dist, 'index.html'));

// The GraphQL documents, exactly as sent.
const q = await build({
  entryPoints: [join(here, 'src/queries.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  logLevel: 'warning',
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(q.outputFiles[0].text).toString('base64')}`);
const manifest = {};
for (const text of Object.values(mod.ALL)) {
  manifest[createHash('sha256').update(text, 'utf8').digest('hex')] = text;
}
writeFileSync(join(dist, 'persisted-operations.json'), `${JSON.stringify(manifest, null, 2)}\n`);

for (const f of [...readdirSync(dist), ...readdirSync(join(dist, 'assets')).map((a) => `assets/${a}`)]) {
  if (f !== 'assets') console.log(join(dist, f));
}
