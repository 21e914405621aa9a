// End-to-end test of the IDE: starts coopgate (dev profile, demo data, SQLite
// in a temporary directory) on a free port, opens /graphql in Debian's
// headless Chromium, runs the README's example query and checks that the
// result pane shows data; then mints a dev token in the "Bearer token" panel
// and checks the next request carries it. Every request that is not to the
// coopgate origin is blocked and fails the test (run it through e2e.sh to also
// have no network route at all).
//
//   node e2e.mjs [path/to/coopgate]      (default ../../target/debug/coopgate)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_OUT (directory for
// the screenshot, default a temporary directory).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const binary = resolve(process.argv[2] ?? join(here, '../../target/debug/coopgate'));
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'coopgate-ide-e2e-'));
const out = process.env.E2E_OUT ? resolve(process.env.E2E_OUT) : work;
mkdirSync(out, { recursive: true });

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

/** The first ```graphql block of the README: the query a new user tries. */
function readmeQuery() {
  const readme = readFileSync(join(here, '../../README.md'), 'utf8');
  const block = readme.match(/```graphql\n([\s\S]*?)```/);
  if (!block) throw new Error('README.md has no ```graphql block');
  return block[1].trim();
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitReady(base, server, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`coopgate exited with ${server.exitCode}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`coopgate not ready after ${seconds} s`);
}

/** Fraction of pixels unlike the most common one, and the number of colours. */
async function inkOf(context, png) {
  const page = await context.newPage();
  await page.setContent('<canvas id="c"></canvas>');
  const result = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.getElementById('c');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map();
    for (let i = 0; i < d.length; i += 4) {
      const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    return { ink: 1 - top / (d.length / 4), colours: counts.size };
  }, png.toString('base64'));
  await page.close();
  return result;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(binary, ['serve'], {
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? work,
    RUST_LOG: 'warn',
    DATABASE_URL: `sqlite://${join(work, 'coopgate.db')}`,
    COOPGATE_PROFILE: 'dev',
    COOPGATE_LISTEN: `127.0.0.1:${port}`,
    COOPGATE_NATIONAL: 'off',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// However this process ends, coopgate ends with it.
process.on('exit', () => server.kill('SIGTERM'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(2));

let context;
try {
  await waitReady(base, server, 180);
  console.log(`coopgate ready at ${base}`);

  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: browserPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  const offOrigin = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === base) return route.continue();
    offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (new URL(ws.url()).host === new URL(base).host) return ws.connectToServer();
    offOrigin.push(ws.url());
    return ws.close();
  });
  // Content-security-policy violations would mean the page needs more than
  // its policy allows (a half-working IDE).
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });

  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const introspected = page.waitForResponse((r) => r.request().method() === 'POST'
    && (r.request().postData() ?? '').includes('IntrospectionQuery'), { timeout: 60_000 });
  introspected.catch(() => {}); // awaited below; a timeout must not crash the run
  const query = readmeQuery();
  const started = performance.now();
  await page.goto(`${base}/graphql?query=${encodeURIComponent(query)}`);
  const executeButton = page.locator('.graphiql-execute-button');
  await executeButton.waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.graphiql-query-editor .view-lines').filter({ hasText: 'cooperatives' }).waitFor({ timeout: 60_000 });
  console.log(`IDE loaded in ${Math.round(performance.now() - started)} ms (page, bundle, editor with the query)`);

  const answered = page.waitForResponse((r) => r.url() === `${base}/graphql` && r.request().method() === 'POST'
    && (r.request().postData() ?? '').includes('statistics'));
  await executeButton.click();
  const response = await answered;
  const body = await response.json();
  const total = body?.data?.cooperatives?.totalCount;
  check(response.status() === 200 && !body.errors, `the README query answers 200 without errors (${response.status()})`);
  check(Number.isInteger(total) && total > 0, `it counts demo cooperatives in province 40 (totalCount ${total})`);
  // The pane shows the top of the pretty-printed answer: the first
  // cooperative's name is on screen.
  const first = body?.data?.cooperatives?.edges?.[0]?.node?.name ?? '(none)';
  const pane = page.locator('.result-window');
  await pane.filter({ hasText: first }).waitFor({ timeout: 30_000 });
  const shown = (await pane.innerText()).replace(/\u00a0/g, ' ');
  check(shown.includes('"data"') && shown.includes('"cooperatives"') && shown.includes(first),
    `the result pane shows the data ("${first}")`);

  const schema = await introspected;
  const schemaBody = await schema.json().catch(() => null);
  check(schema.status() === 200 && Boolean(schemaBody?.data?.__schema), 'the schema was introspected (documentation explorer and completion work)');
  const shot = await page.screenshot({ path: join(out, 'graphiql.png') });
  const { ink, colours } = await inkOf(context, shot);
  check(ink > 0.05 && colours > 16, `the screenshot is not blank (${(ink * 100).toFixed(1)} % ink, ${colours} colours): ${join(out, 'graphiql.png')}`);

  // The dev token flow: mint a national_admin token in the panel; the next
  // request carries it.
  await page.locator('button[aria-label="Show Bearer token"]').click();
  await page.locator('select[name="role"]').selectOption('national_admin');
  await page.getByRole('button', { name: 'Mint dev token' }).click();
  await page.getByRole('status').filter({ hasText: 'Minted' }).waitFor({ timeout: 15_000 });
  const sent = page.waitForRequest((r) => r.url() === `${base}/graphql` && r.method() === 'POST'
    && (r.postData() ?? '').includes('statistics'));
  await executeButton.click();
  const authorization = (await sent).headers().authorization ?? '';
  check(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(authorization), 'after "Mint dev token" the IDE sends Authorization: Bearer <jwt>');

  const csp = [...new Set(await page.evaluate(() => window.__csp))];
  check(csp.length === 0, `no content-security-policy violation${csp.length ? `: ${csp.join('; ').slice(0, 400)}` : ''}`);
  check(offOrigin.length === 0, `no request left the coopgate origin${offOrigin.length ? `: ${offOrigin.join(', ')}` : ''}`);
  if (consoleErrors.length) {
    console.log(`browser console errors (not failures):\n  ${consoleErrors.map((e) => e.slice(0, 300)).join('\n  ')}`);
  }
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.error(e);
} finally {
  await context?.close().catch(() => {});
  server.kill('SIGTERM');
  // Keep only the screenshot.
  for (const f of ['profile', 'coopgate.db', 'coopgate.db-wal', 'coopgate.db-shm']) {
    rmSync(join(work, f), { recursive: true, force: true });
  }
}

const passed = failures.length === 0;
console.log(`ide e2e: ${passed ? 'passed' : `FAILED (${failures.length})`}`);
process.exit(passed ? 0 : 1);
