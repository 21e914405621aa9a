// The targets dashboard (bảng theo dõi chỉ tiêu): one page, state in the URL hash.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError, gql, pool, storeToken, storedToken } from './api';
import { BarChart, Bullet, StatusBadge, type Bar } from './charts';
import { day, figure, moment, num } from './format';
import {
  indicatorName, ratingName, roleName, sectorName, statusName, t, RATING_ORDER, STATUS_ORDER, type Lang,
} from './i18n';
import { BelowMinimumCard, NationalReporting, ReportingCard, TrendCard, defaultReportYear, reportYears, submittedShare } from './monitor';
import { META, MONITOR, PROVINCE_FIGURES, REGISTRY, TARGETS } from './queries';
import { phrase, scale, status } from './targets';
import type { Figures, Monitor, Page, Registry, Reporting, Target, Unit } from './types';
import './style.css';

/** What the page shows, kept in the hash: `#unit=40`, `#legacy=366`, `#national=cooperatives&unit=40`, `&year=2024`. */
interface Route {
  view: 'unit' | 'national';
  kind: 'province' | 'legacy';
  code: string | null;
  figure: FigureKey;
  /** The year of the reporting calendar shown. */
  year: number;
}

type FigureKey = keyof Figures | 'membersPerCooperative' | 'highTechShare' | 'reportsSubmittedShare' | 'reportsMissing';
const FIGURE_KEYS: FigureKey[] = [
  'cooperatives', 'cooperativeMembers', 'membersPerCooperative', 'highTechCooperatives', 'highTechShare',
  'groups', 'groupMembers', 'unions', 'unionMemberCooperatives', 'reportsSubmittedShare', 'reportsMissing',
];

function readRoute(): Route {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const legacy = p.get('legacy');
  const fig = p.get('national');
  const year = Number(p.get('year'));
  return {
    view: p.has('national') ? 'national' : 'unit',
    kind: legacy ? 'legacy' : 'province',
    code: legacy ?? p.get('unit'),
    figure: FIGURE_KEYS.includes(fig as FigureKey) ? (fig as FigureKey) : 'cooperatives',
    year: reportYears().includes(year) ? year : defaultReportYear(),
  };
}

function writeRoute(r: Route) {
  const p = new URLSearchParams();
  if (r.view === 'national') p.set('national', r.figure);
  if (r.code) p.set(r.kind === 'legacy' ? 'legacy' : 'unit', r.code);
  if (r.year !== defaultReportYear()) p.set('year', String(r.year));
  history.replaceState(null, '', `#${p.toString()}`);
}

interface Meta {
  role: string;
  provinceCode: string | null;
  units: Unit[];
  /** Targets per unit code: for 2025 provinces, those within them too. */
  targetCount: Map<string, number>;
}

interface TargetJurisdiction extends Unit {
  successors: { code: string }[];
}

async function loadMeta(token: string): Promise<Meta> {
  let after: string | null = null;
  const counts = new Map<string, number>();
  const districts = new Map<string, Unit>();
  let role = 'ANONYMOUS';
  let provinceCode: string | null = null;
  let units: Unit[] = [];
  for (let page = 0; page < 50; page++) {
    const d: {
      me: { role: string; provinceCode: string | null };
      provinces: Unit[];
      targets: Page<{ jurisdiction: TargetJurisdiction }>;
    } = await gql(META, { after }, token);
    role = d.me.role;
    provinceCode = d.me.provinceCode;
    units = d.provinces;
    for (const { node } of d.targets.edges) {
      const j = node.jurisdiction;
      const key = j.legacy ? `L${j.code}` : `P${j.code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (j.legacy) {
        for (const s of j.successors) counts.set(`P${s.code}`, (counts.get(`P${s.code}`) ?? 0) + 1);
        if (j.level !== 'PROVINCE') districts.set(j.code, j);
      }
    }
    if (!d.targets.pageInfo.hasNextPage) break;
    after = d.targets.pageInfo.endCursor;
  }
  return { role, provinceCode, units: [...units, ...districts.values()], targetCount: counts };
}

function useLang(): [Lang, (l: Lang) => void] {
  const initial = (() => {
    try {
      return localStorage.getItem('coopgate.dashboard.lang') === 'en' ? 'en' : 'vi';
    } catch {
      return 'vi';
    }
  })() as Lang;
  const [lang, setLang] = useState<Lang>(initial);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t(lang, 'title');
    try {
      localStorage.setItem('coopgate.dashboard.lang', lang);
    } catch {
      /* not kept */
    }
  }, [lang]);
  return [lang, setLang];
}

function App() {
  const [lang, setLang] = useLang();
  const [token, setToken] = useState(storedToken());
  const [meta, setMeta] = useState<Meta | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>(readRoute());

  useEffect(() => {
    let live = true;
    setError(null);
    loadMeta(token).then(
      (m) => live && setMeta(m),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [token]);

  // A first visit opens the caller's province, else the first 2025 province with targets.
  useEffect(() => {
    if (!meta || route.code) return;
    const provinces = meta.units.filter((u) => !u.legacy);
    const first =
      provinces.find((u) => u.code === meta.provinceCode) ??
      provinces.find((u) => (meta.targetCount.get(`P${u.code}`) ?? 0) > 0) ??
      provinces[0];
    if (first) setRoute({ ...route, kind: 'province', code: first.code });
  }, [meta]);

  useEffect(() => writeRoute(route), [route]);

  // The unit named in the hash loads at once; its name follows with `meta`.
  const unit =
    meta?.units.find((u) => u.code === route.code && (route.kind === 'legacy') === u.legacy) ??
    (route.code && !meta ? { code: route.code, name: '', legacy: route.kind === 'legacy', level: '' } : null);

  return (
    <div class="page">
      <header class="top">
        <div class="brand">
          <h1>{t(lang, 'title')}</h1>
          <p class="muted">{t(lang, 'subtitle')}</p>
        </div>
        <div class="top-tools">
          <div class="lang" role="group" aria-label={t(lang, 'language')}>
            {(['vi', 'en'] as Lang[]).map((l) => (
              <button type="button" aria-pressed={lang === l} onClick={() => setLang(l)}>
                {l.toUpperCase()}
              </button>
            ))}
          </div>
          <TokenPanel lang={lang} token={token} role={meta?.role ?? null} onChange={(tk) => {
            storeToken(tk);
            setToken(tk);
          }} />
        </div>
      </header>

      <nav class="tabs" aria-label={t(lang, 'viewUnit')}>
        <button type="button" id="tab-unit" aria-pressed={route.view === 'unit'} onClick={() => setRoute({ ...route, view: 'unit' })}>
          {t(lang, 'viewUnit')}
        </button>
        <button type="button" id="tab-national" aria-pressed={route.view === 'national'} onClick={() => setRoute({ ...route, view: 'national' })}>
          {t(lang, 'viewNational')}
        </button>
      </nav>

      {error && (
        <p class="error" role="alert">
          {t(lang, 'error')}: {error}
        </p>
      )}
      {!meta && !error && <p class="muted">{t(lang, 'loading')}</p>}
      {meta && route.view === 'unit' && (
        <UnitPicker lang={lang} meta={meta} route={route} onChange={setRoute} />
      )}
      {meta && route.view === 'unit' && route.code && !unit && (
        <p class="error" role="alert">
          {t(lang, 'unknownUnit')}: {route.code}
        </p>
      )}
      {route.view === 'unit' && unit && (
        <UnitView key={`${route.kind}${unit.code}${token}`} lang={lang} token={token} unit={unit} year={route.year}
          onYear={(year) => setRoute({ ...route, year })} />
      )}
      {meta && route.view === 'national' && (
        <NationalView lang={lang} token={token} meta={meta} route={route} onChange={setRoute} />
      )}
    </div>
  );
}

function TokenPanel(props: { lang: Lang; token: string; role: string | null; onChange: (t: string) => void }) {
  const { lang } = props;
  const [draft, setDraft] = useState('');
  return (
    <details class="token">
      <summary>
        {t(lang, 'signedAs')}: <strong id="role">{props.role ? roleName(props.role, lang) : '…'}</strong>
      </summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onChange(draft.trim());
          setDraft('');
        }}
      >
        <label for="token-input">{t(lang, 'token')}</label>
        <input
          id="token-input"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        />
        <div class="row">
          <button type="submit">{t(lang, 'save')}</button>
          <button type="button" disabled={!props.token} onClick={() => props.onChange('')}>
            {t(lang, 'clear')}
          </button>
        </div>
        <p class="muted small">{t(lang, 'tokenHelp')}</p>
        <p class="muted small">
          <code>{t(lang, 'tokenDev')}</code>
        </p>
      </form>
    </details>
  );
}

function UnitPicker(props: { lang: Lang; meta: Meta; route: Route; onChange: (r: Route) => void }) {
  const { lang, meta, route } = props;
  const units = meta.units
    .filter((u) => u.legacy === (route.kind === 'legacy'))
    .sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code));
  const count = (u: Unit) => meta.targetCount.get(`${u.legacy ? 'L' : 'P'}${u.code}`) ?? 0;
  return (
    <section class="picker card">
      <fieldset class="kind">
        {(['province', 'legacy'] as const).map((k) => (
          <label>
            <input
              type="radio"
              name="kind"
              value={k}
              checked={route.kind === k}
              onChange={() => {
                const first = meta.units.find((u) => u.legacy === (k === 'legacy') && count(u) > 0) ??
                  meta.units.find((u) => u.legacy === (k === 'legacy'));
                props.onChange({ ...route, kind: k, code: first?.code ?? null });
              }}
            />
            {t(lang, k === 'legacy' ? 'kindLegacy' : 'kindProvince')}
          </label>
        ))}
      </fieldset>
      <label class="select">
        <span>{t(lang, 'pickUnit')}</span>
        <select
          id="unit-select"
          value={route.code ?? ''}
          onChange={(e) => props.onChange({ ...route, code: (e.target as HTMLSelectElement).value })}
        >
          {units.map((u) => (
            <option value={u.code}>
              {u.name} ({u.code}){count(u) ? ` · ${count(u)} ${t(lang, 'targetsCount')}` : ''}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function useAsync<T>(run: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; ms: number | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null; ms: number | null }>({ data: null, error: null, ms: null });
  useEffect(() => {
    let live = true;
    const started = performance.now();
    setState({ data: null, error: null, ms: null });
    run().then(
      (data) => live && setState({ data, error: null, ms: performance.now() - started }),
      (e: unknown) => live && setState({ data: null, error: describeError(e), ms: null }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

async function loadTargets(code: string, token: string): Promise<Target[]> {
  const out: Target[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const d: { targets: Page<Target> } = await gql(TARGETS, { code, after }, token);
    out.push(...d.targets.edges.map((e) => e.node));
    if (!d.targets.pageInfo.hasNextPage) break;
    after = d.targets.pageInfo.endCursor;
  }
  return out;
}

function UnitView(props: { lang: Lang; token: string; unit: Unit; year: number; onYear: (y: number) => void }) {
  const { lang, unit, token, year } = props;
  const where = unit.legacy ? { province: null, legacy: unit.code } : { province: unit.code, legacy: null };
  const monitor = useAsync(() => gql<Monitor>(MONITOR, { ...where, year }, token), [year]);
  const targets = useAsync(() => loadTargets(unit.code, token), []);
  const registry = useAsync(
    () => gql<Registry>(REGISTRY, where, token),
    [],
  );
  return (
    <main class="grid" data-unit={unit.code} data-ready={targets.data && registry.data && monitor.data ? 'true' : 'false'}>
      <section class="card targets" aria-labelledby="targets-title">
        <h2 id="targets-title">
          {t(lang, 'targets')} · {unit.name}
          {unit.legacy && <span class="chip">{t(lang, 'formerUnit')}</span>}
        </h2>
        {targets.error && <p class="error" role="alert">{t(lang, 'error')}: {targets.error}</p>}
        {!targets.data && !targets.error && <p class="muted">{t(lang, 'loading')}</p>}
        {targets.data && <TargetList lang={lang} unit={unit} targets={targets.data} />}
      </section>
      <div class="side">
      <section class="card registry" aria-labelledby="registry-title">
        <h2 id="registry-title">
          {t(lang, 'registry')} · {unit.name}
        </h2>
        {registry.error && <p class="error" role="alert">{t(lang, 'error')}: {registry.error}</p>}
        {!registry.data && !registry.error && <p class="muted">{t(lang, 'loading')}</p>}
        {registry.data && <RegistryCharts lang={lang} data={registry.data} />}
      </section>
        <ReportingCard lang={lang} unit={unit} data={monitor.data?.reportingStatus ?? null} error={monitor.error} year={year} onYear={props.onYear} />
        <BelowMinimumCard lang={lang} unit={unit} data={monitor.data} error={monitor.error} />
      </div>
      <TrendCard wide lang={lang} unit={unit} data={monitor.data?.registryTrend ?? null} error={monitor.error} />
    </main>
  );
}

function TargetList(props: { lang: Lang; unit: Unit; targets: Target[] }) {
  const { lang, unit, targets } = props;
  if (targets.length === 0) return <p class="muted" id="no-targets">{t(lang, 'noTargets')}</p>;
  const years = [...new Set(targets.map((x) => x.year))].sort((a, b) => a - b);
  const tally = (list: Target[]) => ({
    ok: list.filter((x) => status(x) === 'ok').length,
    no: list.filter((x) => status(x) === 'no').length,
    unknown: list.filter((x) => status(x) === 'unknown').length,
  });
  const all = tally(targets);
  const asOf = targets.find((x) => x.progress.source === 'COMPUTED' && x.progress.asOf)?.progress.asOf;
  return (
    <div>
      <p class="summary" id="targets-summary">
        <strong>{num(targets.length, lang)}</strong> {t(lang, 'targetsCount')}:{' '}
        <StatusBadge status="ok" text={`${num(all.ok, lang)} ${t(lang, 'attained').toLowerCase()}`} />{' '}
        <StatusBadge status="no" text={`${num(all.no, lang)} ${t(lang, 'notYet').toLowerCase()}`} />{' '}
        <StatusBadge status="unknown" text={`${num(all.unknown, lang)} ${t(lang, 'unknown').toLowerCase()}`} />
        {asOf && (
          <span class="muted small asof">
            {' '}
            · {t(lang, 'asOf')} {moment(asOf, lang)}
          </span>
        )}
      </p>
      <p class="legend muted small" aria-hidden="true">
        <span class="key key-bar" /> {t(lang, 'actual')}
        <span class="key key-marker" /> {t(lang, 'target')}
        <span class="key key-band" /> {lang === 'vi' ? 'khoảng / phạm vi mục tiêu' : 'target range / "about"'}
      </p>
      {years.map((year) => {
        const list = targets.filter((x) => x.year === year);
        const y = tally(list);
        return (
          <section class="year" data-year={year}>
            <h3>
              {t(lang, 'horizon')} {year}
              <span class="muted small">
                {' '}
                · {num(list.length, lang)} {t(lang, 'targetsCount')} · {num(y.ok, lang)} {t(lang, 'attained').toLowerCase()}
              </span>
            </h3>
            <ul class="target-list">
              {list.map((x) => (
                <TargetRow lang={lang} unit={unit} target={x} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function TargetRow(props: { lang: Lang; unit: Unit; target: Target }) {
  const { lang, unit, target: x } = props;
  const st = status(x);
  const p = x.progress;
  const actualText = p.actual === null ? '—' : figure(p.actual, x.unit, lang);
  const goal = phrase(x, lang);
  const statusText = t(lang, st === 'ok' ? 'attained' : st === 'no' ? 'notYet' : 'unknown');
  const other = x.jurisdiction.code !== unit.code || x.jurisdiction.legacy !== unit.legacy;
  return (
    <li class={`target ${st}`} data-target-id={x.id} data-indicator={x.indicator} data-actual={p.actual === null ? '' : String(p.actual)} data-source={p.source}>
      <div class="target-head">
        <h4>
          {indicatorName(x.indicator, lang)}
          {x.withinIndicator && (
            <span class="muted small within">
              {' '}
              ({t(lang, 'ofWhich')}
              {indicatorName(x.withinIndicator, lang).toLowerCase()})
            </span>
          )}
        </h4>
        <StatusBadge status={st} text={statusText} />
      </div>
      <div class="target-body">
        <div class="target-figures">
          <span class="actual">
            <span class="muted small">{t(lang, 'actual')}</span> <strong class="actual-value">{actualText}</strong>
          </span>
          <span class="goal">
            <span class="muted small">{t(lang, 'target')}</span> <strong>{goal}</strong>
          </span>
        </div>
        <Bullet scale={scale(x)} status={st} label={`${t(lang, 'actual')} ${actualText}; ${t(lang, 'target')} ${goal}; ${statusText}`} />
      </div>
      <p class="target-meta small">
        {p.source === 'REPORTED' && p.asOf ? (
          <span class="chip reported" data-reported-on={p.asOf}>
            {t(lang, 'reported')} {day(p.asOf, lang)}
          </span>
        ) : p.source === 'UNAVAILABLE' ? (
          <span class="chip">{t(lang, 'unavailable')}</span>
        ) : (
          <span class="muted">{t(lang, 'computed')}</span>
        )}
        {other && <span class="chip">{x.jurisdiction.name}{x.jurisdiction.legacy ? ` (${t(lang, 'formerUnit')})` : ''}</span>}
        <span class="muted">
          {t(lang, 'source')}: {x.sourceDocument}
        </span>
        {x.note && <span class="note">“{x.note}”</span>}
      </p>
    </li>
  );
}

function figureOf(f: Figures, r: Reporting, key: FigureKey): number {
  if (key === 'reportsSubmittedShare') return submittedShare(r) ?? 0;
  if (key === 'reportsMissing') return r.missing;
  if (key === 'membersPerCooperative') return f.cooperatives ? f.cooperativeMembers / f.cooperatives : 0;
  if (key === 'highTechShare') return f.cooperatives ? (f.highTechCooperatives / f.cooperatives) * 100 : 0;
  return f[key];
}

function figureText(v: number, key: FigureKey, lang: Lang): string {
  return key === 'highTechShare' || key === 'reportsSubmittedShare' ? `${num(v, lang)}%` : num(v, lang);
}

function RegistryCharts(props: { lang: Lang; data: Registry }) {
  const { lang, data } = props;
  const s = data.statistics;
  const tiles: [FigureKey, number][] = [
    ['cooperatives', s.cooperatives],
    ['cooperativeMembers', s.cooperativeMembers],
    ['groups', s.groups],
    ['groupMembers', s.groupMembers],
    ['unions', s.unions],
    ['highTechCooperatives', s.highTechCooperatives],
  ];
  const statusBars: Bar[] = STATUS_ORDER.map((k) => ({
    key: k,
    label: statusName(k, lang),
    value: data[k.toLowerCase() as 'active'].totalCount,
  }));
  const ratingBars: Bar[] = RATING_ORDER.map((k) => ({
    key: k,
    label: ratingName(k, lang),
    value: s.byRating.find((r) => r.rating === k)?.count ?? 0,
  }));
  const sectorBars: Bar[] = s.bySector
    .filter((x) => x.count > 0)
    .sort((a, b) => b.count - a.count)
    .map((x) => ({ key: x.sector, label: sectorName(x.sector, lang), value: x.count }));
  return (
    <div>
      <dl class="tiles" id="registry-tiles">
        {tiles.map(([k, v]) => (
          <div class="tile" data-key={k}>
            <dt>{t(lang, k as 'cooperatives')}</dt>
            <dd>{num(v, lang)}</dd>
          </div>
        ))}
      </dl>
      <BarChart id="chart-status" title={t(lang, 'byStatus')} bars={statusBars} lang={lang} empty={t(lang, 'noData')} />
      <BarChart id="chart-rating" title={t(lang, 'byRating')} bars={ratingBars} lang={lang} empty={t(lang, 'noData')} />
      <BarChart id="chart-sector" title={t(lang, 'bySector')} bars={sectorBars} lang={lang} empty={t(lang, 'noData')} />
    </div>
  );
}

async function loadNational(provinces: Unit[], year: number, token: string) {
  const figures = await pool(
    provinces.map((p) => () => gql<{ statistics: Figures; reportingStatus: Reporting }>(PROVINCE_FIGURES, { province: p.code, year }, token)),
    6,
  );
  return provinces.map((p, i) => ({ unit: p, figures: figures[i].statistics, reporting: figures[i].reportingStatus }));
}

/** How long national figures once loaded are shown again without a request. */
const NATIONAL_TTL_MS = 120_000;
/** National figures by year and token: going back to the national view within
 * the TTL costs nothing (a load is one request per province, ~600 cost points
 * each: a third of a principal's default budget per minute). */
const nationalCache = new Map<string, { at: number; rows: ReturnType<typeof loadNational> }>();

function loadNationalCached(provinces: Unit[], year: number, token: string) {
  const key = `${year}\u0000${token}`;
  const hit = nationalCache.get(key);
  if (hit && Date.now() - hit.at < NATIONAL_TTL_MS) return hit.rows;
  const rows = loadNational(provinces, year, token);
  nationalCache.set(key, { at: Date.now(), rows });
  rows.catch(() => nationalCache.delete(key));
  return rows;
}

function NationalView(props: { lang: Lang; token: string; meta: Meta; route: Route; onChange: (r: Route) => void }) {
  const { lang, token, meta, route } = props;
  const provinces = useMemo(() => meta.units.filter((u) => !u.legacy), [meta]);
  const national = useAsync(() => loadNationalCached(provinces, route.year, token), [provinces, route.year, token]);
  const country = useAsync(() => gql<Registry>(REGISTRY, { province: null, legacy: null }, token), [token]);
  const bars: Bar[] = (national.data ?? [])
    .map(({ unit, figures, reporting }) => {
      const v = figureOf(figures, reporting, route.figure);
      return {
        key: unit.code,
        label: unit.name.replace(/^(Tỉnh|Thành phố) /, ''),
        value: v,
        text: figureText(v, route.figure, lang),
        highlight: route.kind === 'province' && unit.code === route.code,
      };
    })
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'vi'));
  return (
    <main class="grid" data-ready={national.data && country.data ? 'true' : 'false'} id="national">
      <section class="card compare" aria-labelledby="compare-title">
        <h2 id="compare-title">{t(lang, 'compare')}</h2>
        <label class="select">
          <span>{t(lang, 'indicator')}</span>
          <select
            id="figure-select"
            value={route.figure}
            onChange={(e) => props.onChange({ ...route, figure: (e.target as HTMLSelectElement).value as FigureKey })}
          >
            {FIGURE_KEYS.map((k) => (
              <option value={k}>{t(lang, k)}</option>
            ))}
          </select>
        </label>
        {national.error && <p class="error" role="alert">{t(lang, 'error')}: {national.error}</p>}
        {!national.data && !national.error && <p class="muted">{t(lang, 'loading')}</p>}
        {national.data && (
          <BarChart id="chart-compare" title={`${t(lang, route.figure)} · ${num(bars.length, lang)} ${lang === 'vi' ? 'tỉnh, thành phố' : 'provinces'}`} bars={bars} lang={lang} ranked empty={t(lang, 'noData')}
            onPick={(code) => props.onChange({ ...route, view: 'unit', kind: 'province', code })} />
        )}
      </section>
      <div class="side">

      <section class="card registry" aria-labelledby="country-title">
        <h2 id="country-title">
          {t(lang, 'registry')} · {t(lang, 'country')}
        </h2>
        {country.error && <p class="error" role="alert">{t(lang, 'error')}: {country.error}</p>}
        {!country.data && !country.error && <p class="muted">{t(lang, 'loading')}</p>}
        {country.data && <RegistryCharts lang={lang} data={country.data} />}
      </section>
      </div>
      <NationalReporting lang={lang} rows={national.data} year={route.year} current={route.kind === 'province' ? route.code : null}
        onYear={(year) => props.onChange({ ...route, year })}
        onPick={(code) => props.onChange({ ...route, view: 'unit', kind: 'province', code })} />
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
