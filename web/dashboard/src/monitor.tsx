// The plans' own monitoring: the reporting calendar (lịch báo cáo năm), the
// organisations below the legal minimum and the counts by year.
import { StatusBadge } from './charts';
import { day, num } from './format';
import { t, type Lang } from './i18n';
import type { BelowMinimum, Monitor, Reporting, TrendYear, Unit } from './types';

/** The report years offered: this year and the five before it. */
export function reportYears(now = new Date()): number[] {
  const y = now.getFullYear();
  return [y, y - 1, y - 2, y - 3, y - 4, y - 5];
}

/** The year shown first: last year, whose reports are all due. */
export function defaultReportYear(now = new Date()): number {
  return now.getFullYear() - 1;
}

/** Where a year's reporting stands: overdue, all in, not due yet. */
export function reportingState(r: Reporting, lang: Lang): { status: 'ok' | 'no' | 'unknown'; text: string } {
  if (r.expected === 0) return { status: 'unknown', text: t(lang, 'nothingDue') };
  if (r.missing === 0) return { status: 'ok', text: t(lang, 'allIn') };
  if (r.overdue) return { status: 'no', text: `${t(lang, 'overdue')} · ${num(r.missing, lang)} ${t(lang, 'missing').toLowerCase()}` };
  return { status: 'unknown', text: `${t(lang, 'notDue')} · ${t(lang, 'dueOn').toLowerCase()} ${day(r.dueOn, lang)}` };
}

/** Submitted of expected, in %, or null when nobody has to report. */
export function submittedShare(r: Reporting): number | null {
  return r.expected > 0 ? (r.submitted / r.expected) * 100 : null;
}

function YearSelect(props: { lang: Lang; year: number; id: string; onChange: (y: number) => void }) {
  return (
    <label class="select inline">
      <span>{t(props.lang, 'reportingYear')}</span>
      <select id={props.id} value={String(props.year)} onChange={(e) => props.onChange(Number((e.target as HTMLSelectElement).value))}>
        {reportYears().map((y) => (
          <option value={String(y)}>{y}</option>
        ))}
      </select>
    </label>
  );
}

/** On time, late and missing as one stacked bar, each part labelled. */
function ReportingBar(props: { lang: Lang; r: Reporting }) {
  const { lang, r } = props;
  if (r.expected === 0) return null;
  const part = (n: number) => `${(n / r.expected) * 100}%`;
  return (
    <div>
      <div class="stack" aria-hidden="true">
        <span class="stack-ok" style={{ width: part(r.onTime) }} />
        <span class="stack-late" style={{ width: part(r.late) }} />
        <span class="stack-missing" style={{ width: part(r.missing) }} />
      </div>
      <p class="legend muted small" aria-hidden="true">
        <span class="key stack-ok" /> {t(lang, 'onTime')}
        <span class="key stack-late" /> {t(lang, 'late')}
        <span class="key stack-missing" /> {t(lang, 'missing')}
      </p>
    </div>
  );
}

/** The reporting calendar of one unit and year. */
export function ReportingCard(props: { lang: Lang; unit: Unit; data: Reporting | null; error: string | null; year: number; onYear: (y: number) => void }) {
  const { lang, data: r } = props;
  const state = r ? reportingState(r, lang) : null;
  return (
    <section class="card monitor" id="reporting" aria-labelledby="reporting-title" data-year={props.year}>
      <div class="card-head">
        <h2 id="reporting-title">
          {t(lang, 'reporting')} {props.year} · {props.unit.name}
        </h2>
        <YearSelect lang={lang} year={props.year} id="report-year" onChange={props.onYear} />
      </div>
      {props.error && <p class="error" role="alert">{t(lang, 'error')}: {props.error}</p>}
      {!r && !props.error && <p class="muted">{t(lang, 'loading')}</p>}
      {r && state && (
        <div>
          <p class="summary">
            <StatusBadge status={state.status} text={state.text} />
            <span class="muted small">
              {t(lang, 'dueOn')} {day(r.dueOn, lang)}
            </span>
          </p>
          <dl class="tiles" id="reporting-tiles">
            {(
              [
                ['expected', r.expected],
                ['submitted', r.submitted],
                ['missing', r.missing],
                ['onTime', r.onTime],
                ['late', r.late],
              ] as const
            ).map(([k, v]) => (
              <div class={`tile tile-${k}`} data-key={k}>
                <dt>{t(lang, k)}</dt>
                <dd>{num(v, lang)}</dd>
              </div>
            ))}
            <div class="tile" data-key="share">
              <dt>{t(lang, 'submittedShare')}</dt>
              <dd>{submittedShare(r) === null ? '—' : `${num(submittedShare(r) ?? 0, lang)}%`}</dd>
            </div>
          </dl>
          <ReportingBar lang={lang} r={r} />
        </div>
      )}
    </section>
  );
}

function BelowList(props: { lang: Lang; id: string; title: string; page: Monitor['belowCooperatives']; members: boolean }) {
  const { lang, page } = props;
  const rest = page.totalCount - page.edges.length;
  return (
    <div class="below" id={props.id} data-count={page.totalCount}>
      <h3>
        {props.title}: <strong class="below-count">{num(page.totalCount, lang)}</strong>
      </h3>
      {page.edges.length > 0 && (
        <ul class="below-list">
          {page.edges.map(({ node }: { node: BelowMinimum }) => (
            <li data-id={node.id}>
              <span class="below-name">{node.name}</span>
              {node.code && <span class="muted small"> · {node.code}</span>}
              <span class="muted small">
                {props.members && node.officialMembers !== undefined && <> · {num(node.officialMembers, lang)} {t(lang, 'members')}</>}
                {node.belowLegalMinimumSince && <> · {t(lang, 'since')} {day(node.belowLegalMinimumSince, lang)}</>}
              </span>
            </li>
          ))}
        </ul>
      )}
      {rest > 0 && (
        <p class="muted small">
          {t(lang, 'andMore')} {num(rest, lang)} {t(lang, 'more')}
        </p>
      )}
    </div>
  );
}

/** Operating cooperatives and unions below the legal minimum. */
export function BelowMinimumCard(props: { lang: Lang; unit: Unit; data: Monitor | null; error: string | null }) {
  const { lang, data } = props;
  return (
    <section class="card monitor" id="below-minimum" aria-labelledby="below-title">
      <h2 id="below-title">
        {t(lang, 'belowMinimum')} · {props.unit.name}
      </h2>
      <p class="muted small">{t(lang, 'belowNote')}</p>
      {props.error && <p class="error" role="alert">{t(lang, 'error')}: {props.error}</p>}
      {!data && !props.error && <p class="muted">{t(lang, 'loading')}</p>}
      {data && (
        <div>
          <BelowList lang={lang} id="below-coops" title={t(lang, 'belowCoops')} page={data.belowCooperatives} members />
          <BelowList lang={lang} id="below-unions" title={t(lang, 'belowUnions')} page={data.belowUnions} members={false} />
        </div>
      )}
    </section>
  );
}

/** Cooperatives at each year's end as columns, and every figure in a table. */
export function TrendCard(props: { lang: Lang; unit: Unit; data: TrendYear[] | null; error: string | null; wide?: boolean }) {
  const { lang, data } = props;
  const max = Math.max(1, ...(data ?? []).map((y) => y.cooperatives));
  const cols: [keyof TrendYear, string][] = [
    ['cooperatives', t(lang, 'cooperatives')],
    ['cooperativesRegistered', t(lang, 'registered')],
    ['cooperativesCeased', t(lang, 'ceased')],
    ['unions', t(lang, 'unions')],
    ['groups', t(lang, 'groups')],
    ['annualReports', t(lang, 'annualReports')],
    ['reportedCooperativeMembers', t(lang, 'reportedMembers')],
  ];
  return (
    <section class={props.wide ? 'card monitor trend wide' : 'card monitor trend'} id="trend" aria-labelledby="trend-title">
      <h2 id="trend-title">
        {t(lang, 'trend')} · {props.unit.name}
      </h2>
      <p class="muted small">{t(lang, 'trendNote')}</p>
      {props.error && <p class="error" role="alert">{t(lang, 'error')}: {props.error}</p>}
      {!data && !props.error && <p class="muted">{t(lang, 'loading')}</p>}
      {data && (
        <div>
          <figure class="chart">
            <figcaption>{t(lang, 'coopsYearEnd')}</figcaption>
            <ol class="columns" aria-hidden="true">
              {data.map((y) => (
                <li>
                  <span class="col-value">{num(y.cooperatives, lang)}</span>
                  <span class="col-track">
                    <span class="col-fill" style={{ height: `${(y.cooperatives / max) * 100}%` }} />
                  </span>
                  <span class="col-label">{y.year}</span>
                </li>
              ))}
            </ol>
          </figure>
          <div class="table-wrap">
            <table class="trend-table" id="trend-table">
              <thead>
                <tr>
                  <th scope="col">{t(lang, 'year')}</th>
                  {cols.map(([, label]) => (
                    <th scope="col">{label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.map((y) => (
                  <tr data-year={y.year}>
                    <th scope="row">{y.year}</th>
                    {cols.map(([k]) => (
                      <td data-key={k}>{num(y[k], lang)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

/** Every province's reporting of one year, the least complete first. */
export function NationalReporting(props: {
  lang: Lang;
  rows: { unit: Unit; reporting: Reporting }[] | null;
  year: number;
  onYear: (y: number) => void;
  onPick: (code: string) => void;
  current: string | null;
}) {
  const { lang, rows } = props;
  const sorted = (rows ?? []).slice().sort((a, b) => {
    const sa = submittedShare(a.reporting) ?? 101;
    const sb = submittedShare(b.reporting) ?? 101;
    return sa - sb || b.reporting.missing - a.reporting.missing || a.unit.name.localeCompare(b.unit.name, 'vi');
  });
  return (
    <section class="card monitor wide" id="national-reporting" aria-labelledby="nrep-title" data-year={props.year}>
      <div class="card-head">
        <h2 id="nrep-title">
          {t(lang, 'reportsPerProvince')} · {props.year}
        </h2>
        <YearSelect lang={lang} year={props.year} id="national-report-year" onChange={props.onYear} />
      </div>
      {!rows && <p class="muted">{t(lang, 'loading')}</p>}
      {rows && (
        <div class="table-wrap">
          <table class="trend-table reporting-table">
            <thead>
              <tr>
                <th scope="col">{t(lang, 'province')}</th>
                <th scope="col">{t(lang, 'expected')}</th>
                <th scope="col">{t(lang, 'onTime')}</th>
                <th scope="col">{t(lang, 'late')}</th>
                <th scope="col">{t(lang, 'missing')}</th>
                <th scope="col">{t(lang, 'submittedShare')}</th>
                <th scope="col">{t(lang, 'state')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map(({ unit, reporting: r }) => {
                const state = reportingState(r, lang);
                const share = submittedShare(r);
                return (
                  <tr data-key={unit.code} aria-current={unit.code === props.current ? 'true' : undefined} class={unit.code === props.current ? 'highlight' : ''}>
                    <th scope="row">
                      <button type="button" class="linklike" onClick={() => props.onPick(unit.code)}>
                        {unit.name.replace(/^(Tỉnh|Thành phố) /, '')}
                      </button>
                    </th>
                    <td data-key="expected">{num(r.expected, lang)}</td>
                    <td data-key="onTime">{num(r.onTime, lang)}</td>
                    <td data-key="late">{num(r.late, lang)}</td>
                    <td data-key="missing">{num(r.missing, lang)}</td>
                    <td data-key="share">{share === null ? '—' : `${num(share, lang)}%`}</td>
                    <td>
                      {r.expected === 0 ? (
                        <span class="muted">—</span>
                      ) : (
                        <StatusBadge status={state.status} text={state.status === 'no' ? t(lang, 'overdue') : state.status === 'ok' ? t(lang, 'allIn') : t(lang, 'notDue')} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
