// How a target reads and where it sits on its bullet chart.
import type { Lang } from './i18n';
import type { Target } from './types';
import type { BulletScale } from './charts';
import { figure } from './format';

/** attained / not yet / unknown. */
export function status(t: Target): 'ok' | 'no' | 'unknown' {
  return t.progress.attained === true ? 'ok' : t.progress.attained === false ? 'no' : 'unknown';
}

/** The target in words: "khoảng 1.200", "ít nhất 50%", "1.200–1.400". */
export function phrase(t: Target, lang: Lang): string {
  const f = (v: number | null) => (v === null ? '—' : figure(v, t.unit, lang));
  const vi = lang === 'vi';
  switch (t.comparator) {
    case 'BETWEEN':
      return `${f(t.min)} – ${f(t.max)}`;
    case 'ABOUT':
      return `${vi ? 'khoảng' : 'about'} ${f(t.value)}`;
    case 'AT_LEAST':
      return `${vi ? 'ít nhất' : 'at least'} ${f(t.value)}`;
    case 'MORE_THAN':
      return `${vi ? 'trên' : 'more than'} ${f(t.value)}`;
    case 'AT_MOST':
      if (t.value === 0) return vi ? 'không còn' : 'none left';
      return `${vi ? 'tối đa' : 'at most'} ${f(t.value)}`;
    default:
      return f(t.value);
  }
}

/** Positions (in % of the track) of the figure, the target tick and band. */
export function scale(t: Target): BulletScale {
  const actual = t.progress.actual;
  const value = t.value ?? 0;
  let top: number;
  let band: [number, number] | null = null;
  let marker: number | null = null;
  if (t.comparator === 'BETWEEN') {
    band = [t.min ?? 0, t.max ?? t.min ?? 0];
    top = band[1];
  } else if (t.comparator === 'ABOUT') {
    band = [value * 0.9, value * 1.1];
    marker = value;
    top = band[1];
  } else {
    marker = value;
    top = value;
  }
  const end = t.unit === 'PERCENT' ? 100 : Math.max(top, actual ?? 0, 1) * 1.12;
  const pc = (v: number) => Math.min(100, Math.max(0, (v / end) * 100));
  return {
    actual: actual === null ? null : pc(actual),
    marker: marker === null ? null : pc(marker),
    band: band ? [pc(band[0]), pc(band[1])] : null,
  };
}
