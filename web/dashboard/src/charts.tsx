// Small charts drawn with HTML and CSS: no library, nothing fetched.
import type { Lang } from './i18n';
import { num } from './format';

/** One bar of a chart. */
export interface Bar {
  key: string;
  label: string;
  value: number;
  /** Shown as the value instead of the plain number. */
  text?: string;
  /** Marked (bold, ◆ and aria-current), e.g. the selected province. */
  highlight?: boolean;
}

/** A horizontal bar chart with the value written beside every bar. */
export function BarChart(props: {
  title: string;
  bars: Bar[];
  lang: Lang;
  ranked?: boolean;
  empty: string;
  id?: string;
  /** Makes each label a button that opens that bar's unit. */
  onPick?: (key: string) => void;
}) {
  const { bars, lang } = props;
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      {bars.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ol class={props.ranked ? 'bars ranked' : 'bars'}>
          {bars.map((b, i) => (
            <li
              key={b.key}
              class={b.highlight ? 'bar-row highlight' : 'bar-row'}
              aria-current={b.highlight ? 'true' : undefined}
              data-key={b.key}
              data-value={String(b.value)}
            >
              {props.ranked && <span class="rank">{i + 1}</span>}
              <span class="bar-label">
                {b.highlight && <span aria-hidden="true">◆ </span>}
                {props.onPick ? (
                  <button type="button" class="linklike" onClick={() => props.onPick?.(b.key)}>
                    {b.label}
                  </button>
                ) : (
                  b.label
                )}
              </span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar-fill" style={{ width: `${max > 0 ? (b.value / max) * 100 : 0}%` }} />
              </span>
              <span class="bar-value">{b.text ?? num(b.value, lang)}</span>
            </li>
          ))}
        </ol>
      )}
    </figure>
  );
}

/** Where a target and its figure sit on one scale, in % of the track. */
export interface BulletScale {
  actual: number | null;
  marker: number | null;
  band: [number, number] | null;
}

/**
 * A bullet chart: the figure as a bar, a point target as a tick, a range or
 * an "about" target as a hatched band.
 */
export function Bullet(props: { scale: BulletScale; status: 'ok' | 'no' | 'unknown'; label: string }) {
  const { actual, marker, band } = props.scale;
  return (
    <div class="bullet" role="img" aria-label={props.label}>
      <span class="bullet-track" />
      {band && <span class="bullet-band" style={{ left: `${band[0]}%`, width: `${Math.max(band[1] - band[0], 0.6)}%` }} />}
      {actual !== null && <span class={`bullet-bar ${props.status}`} style={{ width: `${Math.max(actual, 0.4)}%` }} />}
      {marker !== null && <span class="bullet-marker" style={{ left: `${marker}%` }} />}
    </div>
  );
}

/** The status of a target as an icon and a word, never colour alone. */
export function StatusBadge(props: { status: 'ok' | 'no' | 'unknown'; text: string }) {
  const icon =
    props.status === 'ok' ? (
      <path d="M3.5 8.5l3 3 6-7" />
    ) : props.status === 'no' ? (
      <path d="M4.5 4.5l7 7M11.5 4.5l-7 7" />
    ) : (
      <path d="M6 6.2a2 2 0 1 1 2.8 1.8c-.6.3-.8.7-.8 1.3v.7M8 12.2v.1" />
    );
  return (
    <span class={`badge ${props.status}`} data-status={props.status}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        {icon}
      </svg>
      {props.text}
    </span>
  );
}
