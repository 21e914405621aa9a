// Numbers, money and dates, the Vietnamese way in Vietnamese (1.200; 43,9%;
// 6 triệu đồng) and the English way in English.
import type { Lang } from './i18n';

const locale = (lang: Lang) => (lang === 'vi' ? 'vi-VN' : 'en-GB');

/** A number with at most `digits` decimals: 1.200 / 1,200. */
export function num(value: number, lang: Lang, digits = 1): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits }).format(value);
}

/** A figure in a target's unit: "1.733", "43,9%", "6 triệu đồng/tháng". */
export function figure(value: number, unit: string, lang: Lang): string {
  switch (unit) {
    case 'PERCENT':
      return `${num(value, lang)}%`;
    case 'VND_PER_MONTH': {
      const perMonth = lang === 'vi' ? '/tháng' : '/month';
      if (Math.abs(value) >= 1_000_000) {
        const millions = num(value / 1_000_000, lang, 2);
        return lang === 'vi' ? `${millions} triệu đồng${perMonth}` : `${millions} million đồng${perMonth}`;
      }
      return `${num(value, lang, 0)} đồng${perMonth}`;
    }
    default:
      return num(value, lang);
  }
}

/** A day: 01/12/2026 / 01/12/2026 (both languages use day/month/year here). */
export function day(iso: string, lang: Lang): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Asia/Ho_Chi_Minh' }).format(d);
}

/** A moment: 16:37, 01/12/2026. */
export function moment(iso: string, lang: Lang): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), {
    hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Asia/Ho_Chi_Minh',
  }).format(d);
}
