// End-to-end test of /dashboard in Debian's Chromium (headless, through
// playwright-core; no browser is downloaded).
//
// It starts the debug coopgate binary on a free port over a fresh SQLite file
// with the demo registry, which holds the plans' targets
// (fixtures/targets/plans.json, imported by the seed), reports one outside figure, then:
// opens the dashboard, picks Nghệ An, checks that the displayed actual values
// equal the GraphQL answers, switches to the national view, saves screenshots
// at 1366×768 and 375 px wide and checks they are not blank, and does it again
// under the production profile (its CSP, no introspection). It fails on any
// request that leaves the coopgate origin and on any console error (a CSP
// violation is one). The load time is printed, not asserted.
//
//   node web/dashboard/e2e.mjs [path/to/coopgate]
// Environment: COOPGATE_BIN, CHROMIUM (default /usr/bin/chromium), E2E_OUT, E2E_RUST_LOG
// (the servers' RUST_LOG, default warn). Answers of 400 and above are printed.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = resolve(process.argv[2] ?? process.env.COOPGATE_BIN ?? join(repo, 'target/debug/coopgate'));
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const out = resolve(process.env.E2E_OUT ?? join(repo, 'target/dashboard-e2e'));
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'coopgate-dash-e2e-'));

let passed = 0;
let failed = 0;
const cleanups = [];

function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const baseEnv = (profile) => ({
  ...process.env,
  DATABASE_URL: `sqlite://${join(work, 'coopgate.db')}`,
  COOPGATE_PROFILE: profile,
  // No national systems: the registry stays as seeded while the test looks.
  COOPGATE_NATIONAL: 'off',
  COOPGATE_LOG_FORMAT: 'text',
  RUST_LOG: process.env.E2E_RUST_LOG ?? 'warn',
});

function run(args, profile = 'dev') {
  return execFileSync(bin, args, { env: baseEnv(profile), cwd: repo, encoding: 'utf8' });
}

async function startServer(profile, extraEnv = {}) {
  const port = await freePort();
  const child = spawn(bin, ['serve'], {
    env: { ...baseEnv(profile), ...extraEnv, COOPGATE_LISTEN: `127.0.0.1:${port}` },
    cwd: repo,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () =>
    new Promise((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.kill('SIGTERM');
    });
  cleanups.push(stop);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`coopgate (${profile}) exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, stop };
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`coopgate (${profile}) did not answer /healthz`);
}

async function gql(base, query, variables = {}, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// The same rules as the page (src/format.ts), written out independently.
function expectedFigure(value, unit) {
  const n = (v, d) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: d }).format(v);
  if (unit === 'PERCENT') return `${n(value, 1)}%`;
  if (unit === 'VND_PER_MONTH') {
    return Math.abs(value) >= 1e6 ? `${n(value / 1e6, 2)} triệu đồng/tháng` : `${n(value, 0)} đồng/tháng`;
  }
  return n(value, 1);
}

/** Luminance spread and distinct colours of a PNG, measured in a blank page's canvas. */
async function pixelStats(context, png) {
  const page = await context.newPage();
  try {
    await page.setContent('<canvas id="c"></canvas>');
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.getElementById('c');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let sum = 0;
      let sq = 0;
      const colours = new Set();
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
        sum += y;
        sq += y * y;
        if (colours.size < 5000) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      const mean = sum / n;
      return { width: c.width, height: c.height, stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)), colours: colours.size };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

async function screenshot(context, page, name, fullPage = false) {
  const png = await page.screenshot({ fullPage });
  const file = join(out, `${name}.png`);
  writeFileSync(file, png);
  const s = await pixelStats(context, png);
  check(`screenshot ${name} is not blank (${s.width}×${s.height}, σ=${s.stddev.toFixed(1)}, ${s.colours} colours)`,
    s.stddev > 8 && s.colours > 50, file);
}

/** A browser context that records requests leaving `base` and console errors. */
async function openBrowser(base, label) {
  const profileDir = mkdtempSync(join(work, `chromium-${label}-`));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: browserPath,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'vi-VN',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  cleanups.push(() => context.close());
  const origin = new URL(base).origin;
  const foreign = new Set();
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (/^(data|blob|about):/.test(url) || new URL(url).origin === origin) return route.continue();
    foreign.add(url);
    return route.abort();
  });
  context.on('request', (r) => {
    const url = r.url();
    if (!/^(data|blob|about):/.test(url) && new URL(url).origin !== origin) foreign.add(url);
  });
  const watch = (page) => {
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => r.status() >= 400 && console.log('HTTP', r.status(), r.url()));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, foreign, errors };
}

const REPORT_YEAR = new Date().getFullYear() - 1;
const viNum = (v) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }).format(v);
const MONITOR = `query($province: String, $legacy: String, $year: Int!) {
  reportingStatus(year: $year, provinceCode: $province, legacyUnitCode: $legacy) { expected submitted missing onTime late overdue dueOn }
  belowCooperatives: cooperatives(first: 10, filter: { provinceCode: $province, legacyUnitCode: $legacy, belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) { totalCount }
  belowUnions: cooperativeUnions(first: 10, filter: { provinceCode: $province, legacyUnitCode: $legacy, belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) { totalCount }
  registryTrend(provinceCode: $province, legacyUnitCode: $legacy) {
    year cooperatives cooperativesRegistered cooperativesCeased unions groups annualReports reportedCooperativeMembers }
}`;

async function tileText(page, list, key) {
  return (await page.locator(`${list} .tile[data-key="${key}"] dd`).textContent())?.trim();
}

/** The reporting calendar, the organisations below the legal minimum and the trend, against the GraphQL answers. */
async function checkMonitor(page, base, code) {
  const m = await gql(base, MONITOR, { province: code, legacy: null, year: REPORT_YEAR });
  const r = m.reportingStatus;
  console.log(`  ${code}: reporting ${REPORT_YEAR} expected ${r.expected}, on time ${r.onTime}, late ${r.late}, missing ${r.missing}; ` +
    `below the minimum ${m.belowCooperatives.totalCount} cooperatives, ${m.belowUnions.totalCount} unions; ` +
    `trend ${m.registryTrend.map((y) => `${y.year}:${y.cooperatives}`).join(' ')}`);
  for (const k of ['expected', 'submitted', 'missing', 'onTime', 'late']) {
    const shown = await tileText(page, '#reporting-tiles', k);
    check(`reporting ${REPORT_YEAR} ${k} shows ${viNum(r[k])}`, shown === viNum(r[k]), `page shows ${shown}`);
  }
  check('the reporting calendar shows its due day', ((await page.locator('#reporting').textContent()) ?? '')
    .includes(r.dueOn.split('-').reverse().join('/')), r.dueOn);
  const overdueShown = (await page.locator('#reporting .summary .badge').getAttribute('data-status')) === 'no';
  check('the reporting calendar says whether it is overdue', overdueShown === (r.overdue && r.expected > 0 && r.missing > 0));
  for (const [id, want] of [['#below-coops', m.belowCooperatives.totalCount], ['#below-unions', m.belowUnions.totalCount]]) {
    const count = Number(await page.locator(id).getAttribute('data-count'));
    const shown = (await page.locator(`${id} .below-count`).textContent())?.trim();
    const listed = await page.locator(`${id} li`).count();
    check(`${id} equals the GraphQL totalCount (${want})`, count === want && shown === viNum(want) && listed === Math.min(10, want),
      `${count}, shown ${shown}, ${listed} listed`);
  }
  let cells = 0;
  let wrong = [];
  for (const y of m.registryTrend) {
    for (const k of ['cooperatives', 'cooperativesRegistered', 'cooperativesCeased', 'unions', 'groups', 'annualReports', 'reportedCooperativeMembers']) {
      const shown = (await page.locator(`#trend-table tr[data-year="${y.year}"] td[data-key="${k}"]`).textContent())?.trim();
      cells++;
      if (shown !== viNum(y[k])) wrong.push(`${y.year} ${k}: ${shown} vs ${y[k]}`);
    }
  }
  check(`every trend figure equals the GraphQL answer (${cells} cells, ${m.registryTrend.length} years)`, wrong.length === 0 && cells > 0, wrong.join('; '));
  const last = m.registryTrend[m.registryTrend.length - 1];
  const stats = (await gql(base, `query($p: String) { statistics(provinceCode: $p) { cooperatives } }`, { p: code })).statistics;
  check('this year\'s trend agrees with statistics.cooperatives', last?.cooperatives === stats.cooperatives, `${last?.cooperatives} vs ${stats.cooperatives}`);
}

const TARGETS = `query($code: String!) { targets(first: 100, filter: { jurisdictionCode: $code }) {
  edges { node { id indicator unit progress { actual asOf source } } } } }`;

async function devRun() {
  console.log('== dev profile: demo registry, which holds the plans targets');
  run(['seed', '--demo']);
  const { base, stop } = await startServer('dev');
  const admin = run(['token', '--role', 'national_admin', '--ttl', '10m']).trim();

  // One outside figure, so a REPORTED value with its date is on the page.
  const before = (await gql(base, TARGETS, { code: '40' })).targets.edges.map((e) => e.node);
  const reportable = before.find((x) => x.progress.source === 'UNAVAILABLE');
  if (reportable) {
    await gql(base, `mutation($id: ID!) { reportTargetProgress(input: { targetId: $id, actual: 21.5, asOf: "2026-06-30", note: "e2e" }) {
      userErrors { message } } }`, { id: reportable.id }, admin);
  }
  // One Nghệ An cooperative falls to 3 official members: flagged below the legal minimum from today.
  const one = (await gql(base, `{ cooperatives(first: 1, filter: { provinceCode: "40", status: [ACTIVE] }) {
    edges { node { id name version } } } }`)).cooperatives.edges[0]?.node;
  if (one) {
    const u = await gql(base, `mutation($id: ID!, $v: Int!) { updateCooperative(input: { id: $id, expectedVersion: $v, officialMembers: 3 }) {
      userErrors { message } } }`, { id: one.id, v: one.version }, admin);
    check('a cooperative can fall below the legal minimum', u.updateCooperative.userErrors.length === 0, JSON.stringify(u));
  }
  const targets = (await gql(base, TARGETS, { code: '40' })).targets.edges.map((e) => e.node);
  check('Nghệ An (40) has targets once the plans are imported', targets.length > 0, `${targets.length}`);

  const { context, page, foreign, errors } = await openBrowser(base, 'dev');
  const started = Date.now();
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('main[data-ready="true"]', { timeout: 30000 });
  const firstView = Date.now() - started;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd } : null;
  });
  console.log(`page load (dev, debug build): first view with data in ${firstView} ms` +
    (nav ? `; DOMContentLoaded ${nav.dcl.toFixed(0)} ms, load ${nav.load.toFixed(0)} ms` : ''));

  const res = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => ({
    name: new URL(r.name).pathname, ms: r.duration, bytes: r.encodedBodySize ?? 0 })));
  const api = res.filter((r) => r.name === '/graphql');
  console.log(`  ${api.length} GraphQL requests (slowest ${Math.max(0, ...api.map((r) => r.ms)).toFixed(0)} ms), ` +
    `${res.length - api.length} assets (${(res.filter((r) => r.name !== '/graphql').reduce((a, r) => a + r.bytes, 0) / 1024).toFixed(0)} kB)`);
  const warm = Date.now();
  await page.reload();
  await page.waitForSelector('main[data-ready="true"]', { timeout: 30000 });
  console.log(`page load (dev, debug build): reload with data in ${Date.now() - warm} ms`);

  // Pick Nghệ An.
  await page.check('input[name="kind"][value="province"]');
  await page.selectOption('#unit-select', '40');
  const t0 = Date.now();
  await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  console.log(`Nghệ An view with data in ${Date.now() - t0} ms`);
  check('the URL keeps the pick', page.url().endsWith('#unit=40'), page.url());

  let compared = 0;
  for (const x of targets) {
    const row = page.locator(`li[data-target-id="${x.id}"]`);
    const shown = (await row.locator('.actual-value').textContent())?.trim();
    const want = x.progress.actual === null ? '—' : expectedFigure(x.progress.actual, x.unit);
    if (!check(`target ${x.indicator} shows ${want}`, shown === want, `page shows ${shown}`)) continue;
    compared++;
  }
  check('every Nghệ An target is on the page', compared === targets.length, `${compared}/${targets.length}`);
  const count = targets.find((x) => x.indicator === 'COOPERATIVE_COUNT');
  if (count) {
    const shown = await page.locator(`li[data-target-id="${count.id}"]`).getAttribute('data-actual');
    check('COOPERATIVE_COUNT actual equals the GraphQL answer', Number(shown) === count.progress.actual, `${shown} vs ${count.progress.actual}`);
  }
  if (reportable) {
    const chip = (await page.locator(`li[data-target-id="${reportable.id}"] .chip.reported`).textContent())?.trim();
    check('a REPORTED value shows its date', chip?.includes('30/06/2026') ?? false, chip);
  }
  const stats = (await gql(base, `{ statistics(provinceCode: "40") { cooperatives } }`)).statistics;
  const tile = (await page.locator('#registry-tiles .tile[data-key="cooperatives"] dd').textContent())?.trim();
  check('the registry tile equals statistics.cooperatives', tile === new Intl.NumberFormat('vi-VN').format(stats.cooperatives), `${tile} vs ${stats.cooperatives}`);
  await checkMonitor(page, base, '40');
  if (one) {
    const listed = (await page.locator(`#below-coops li[data-id="${one.id}"]`).textContent()) ?? '';
    check('the cooperative below the minimum is listed with its members and since when',
      listed.includes(one.name) && listed.includes('3 thành viên') && /từ \d\d\/\d\d\/\d{4}/.test(listed), listed);
  }
  // Where the demo registry has organisations below the legal minimum, they are listed too.
  const below = await gql(base, `{
    c: cooperatives(first: 1, filter: { belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) { totalCount edges { node { address { province { code } } } } }
    u: cooperativeUnions(first: 1, filter: { belowLegalMinimum: true, status: [ACTIVE, SUSPENDED] }) { totalCount edges { node { address { province { code } } } } } }`);
  const belowCode = below.c.edges[0]?.node.address.province.code ?? below.u.edges[0]?.node.address.province.code;
  console.log(`  below the legal minimum in the country: ${below.c.totalCount} cooperatives, ${below.u.totalCount} unions`);
  if (belowCode && belowCode !== '40') {
    await page.selectOption('#unit-select', belowCode);
    await page.waitForSelector(`main[data-unit="${belowCode}"][data-ready="true"]`, { timeout: 30000 });
    await checkMonitor(page, base, belowCode);
    await page.selectOption('#unit-select', '40');
    await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  }
  await screenshot(context, page, 'unit-nghe-an-1366x768');
  await screenshot(context, page, 'unit-nghe-an-1366-full', true);
  const trendShot = await page.locator('#trend').screenshot();
  writeFileSync(join(out, 'unit-nghe-an-trend.png'), trendShot);
  const ts = await pixelStats(context, trendShot);
  check(`screenshot unit-nghe-an-trend is not blank (σ=${ts.stddev.toFixed(1)}, ${ts.colours} colours)`, ts.stddev > 8 && ts.colours > 20);

  // Another report year: the hash keeps it and the figures follow.
  const older = REPORT_YEAR - 1;
  await page.selectOption('#report-year', String(older));
  await page.waitForSelector(`#reporting[data-year="${older}"] #reporting-tiles`, { timeout: 30000 });
  await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  const olderStatus = (await gql(base, MONITOR, { province: '40', legacy: null, year: older })).reportingStatus;
  check(`the ${older} reporting calendar equals the GraphQL answer`,
    (await tileText(page, '#reporting-tiles', 'expected')) === viNum(olderStatus.expected) &&
    (await tileText(page, '#reporting-tiles', 'missing')) === viNum(olderStatus.missing));
  check('the URL keeps the report year', page.url().includes(`year=${older}`), page.url());
  await page.selectOption('#report-year', String(REPORT_YEAR));
  await page.waitForSelector(`#reporting[data-year="${REPORT_YEAR}"] #reporting-tiles`, { timeout: 30000 });

  // The national view.
  await page.click('#tab-national');
  await page.waitForSelector('main#national[data-ready="true"]', { timeout: 30000 });
  const bars = await page.locator('#chart-compare li').evaluateAll((els) =>
    els.map((e) => ({ code: e.getAttribute('data-key'), value: Number(e.getAttribute('data-value')), current: e.getAttribute('aria-current') })));
  const provinces = (await gql(base, '{ provinces { code } }')).provinces;
  check('the national chart has every 2025 province', bars.length === provinces.length, `${bars.length} vs ${provinces.length}`);
  check('the national chart is sorted', bars.every((b, i) => i === 0 || bars[i - 1].value >= b.value));
  const na = bars.find((b) => b.code === '40');
  check('Nghệ An is marked in the national chart', na?.current === 'true');
  check('Nghệ An\'s bar equals the GraphQL answer', na?.value === stats.cooperatives, `${na?.value}`);
  await screenshot(context, page, 'national-1366x768');
  // The reporting calendar of every province.
  const national = await page.locator('#national-reporting tbody tr').evaluateAll((els) =>
    els.map((e) => ({ code: e.getAttribute('data-key'), missing: e.querySelector('td[data-key="missing"]')?.textContent,
      expected: e.querySelector('td[data-key="expected"]')?.textContent, current: e.getAttribute('aria-current') })));
  check('the reporting table lists every 2025 province', national.length === provinces.length, `${national.length}`);
  const naReport = (await gql(base, MONITOR, { province: '40', legacy: null, year: REPORT_YEAR })).reportingStatus;
  const naRow = national.find((r) => r.code === '40');
  check('Nghệ An\'s reporting row equals the GraphQL answer',
    naRow?.missing === viNum(naReport.missing) && naRow?.expected === viNum(naReport.expected) && naRow?.current === 'true',
    JSON.stringify(naRow));
  await page.selectOption('#figure-select', 'reportsMissing');
  await page.waitForSelector('#chart-compare figcaption:has-text("chưa nộp")');
  const missingBars = await page.locator('#chart-compare li').evaluateAll((els) =>
    els.map((e) => ({ code: e.getAttribute('data-key'), value: Number(e.getAttribute('data-value')) })));
  check('the national chart compares missing reports, sorted',
    missingBars.every((b, i) => i === 0 || missingBars[i - 1].value >= b.value) &&
    missingBars.find((b) => b.code === '40')?.value === naReport.missing, JSON.stringify(missingBars.slice(0, 3)));
  await screenshot(context, page, 'national-reporting-1366-full', true);
  await page.selectOption('#figure-select', 'cooperatives');
  await page.click('#chart-compare li[data-key="40"] button');
  await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  check('a province in the national chart opens its targets', page.url().endsWith('#unit=40'), page.url());
  await page.click('#tab-national');
  await page.waitForSelector('main#national[data-ready="true"]', { timeout: 30000 });

  // Phone width.
  await page.setViewportSize({ width: 375, height: 812 });
  await screenshot(context, page, 'national-375', true);
  await page.click('#tab-unit');
  await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('no horizontal scrolling at 375 px', overflow <= 0, `${overflow}px too wide`);
  await screenshot(context, page, 'unit-nghe-an-375');
  await screenshot(context, page, 'unit-nghe-an-375-full', true);

  // English.
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.click('.lang button:has-text("EN")');
  await page.waitForSelector('h1:has-text("Collective economy targets")');
  await screenshot(context, page, 'unit-nghe-an-en-1366x768');

  // A pasted token: the page reads as that role; a refused one says so.
  await page.click('.token summary');
  await page.fill('#token-input', admin);
  await page.click('.token button[type="submit"]');
  await page.waitForSelector('#role:has-text("National admin")', { timeout: 30000 });
  check('a pasted token is used (role shown)', true);
  check('the token is kept in sessionStorage only',
    await page.evaluate((tk) => sessionStorage.getItem('coopgate.dashboard.token') === tk && !JSON.stringify(localStorage).includes(tk), admin));
  await page.fill('#token-input', 'not-a-token');
  await page.click('.token button[type="submit"]');
  const alert = await page.waitForSelector('[role="alert"]', { timeout: 30000 });
  check('a refused token is reported', /UNAUTHENTICATED/.test((await alert.textContent()) ?? ''));
  await page.click('.token button[type="button"]');
  await page.waitForSelector('#role:has-text("Public")', { timeout: 30000 });
  const consoleErrors = errors.filter((e) => !/401/.test(e));
  errors.length = 0;
  errors.push(...consoleErrors);

  check('no request left the coopgate origin (dev)', foreign.size === 0, [...foreign].join(', '));
  check('no console error (dev)', errors.length === 0, errors.join(' | '));
  await context.close();
  await stop();
}

async function productionRun() {
  console.log('== production profile: same database, anonymous, only the dashboard\'s persisted operations allowed');
  const { base, stop } = await startServer('production', {
    COOPGATE_PERSISTED_OPERATIONS: join(here, 'dist/persisted-operations.json'),
  });
  const other = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ me { role } }' }),
  }).then((r) => r.json());
  check('the allow-list is on (another document is refused)', other.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(other));
  const { context, page, foreign, errors } = await openBrowser(base, 'prod');
  const started = Date.now();
  await page.goto(`${base}/dashboard#unit=40`);
  await page.waitForSelector('main[data-unit="40"][data-ready="true"]', { timeout: 30000 });
  console.log(`page load (production, debug build): Nghệ An with data in ${Date.now() - started} ms`);
  check('production serves the dashboard with targets', (await page.locator('li[data-target-id]').count()) > 0);
  check('production serves the monitoring views', (await page.locator('#reporting-tiles .tile').count()) > 0 &&
    (await page.locator('#trend-table tbody tr').count()) === 10);
  await page.click('#tab-national');
  await page.waitForSelector('main#national[data-ready="true"]', { timeout: 30000 });
  await screenshot(context, page, 'national-production-1366x768');
  check('no request left the coopgate origin (production)', foreign.size === 0, [...foreign].join(', '));
  check('no console error (production: CSP holds)', errors.length === 0, errors.join(' | '));
  await context.close();
  await stop();
}

try {
  await devRun();
  await productionRun();
} catch (e) {
  failed++;
  console.log(`FAIL ${e?.stack ?? e}`);
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
console.log(`screenshots in ${out}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
