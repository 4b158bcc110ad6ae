/**
 * Numbers and dates as the student reads them. Costs arrive as integer micro-cents (10⁻⁶ of a US
 * cent); a single reply often costs a fraction of a cent, so small amounts keep two significant
 * digits. They are stored in USD and only converted for display (see `Money`).
 *
 * Nothing here throws on bad data: a timestamp outside JavaScript's Date range (±8.64e15 ms) or
 * NaN, as old or hand-edited data can hold, renders as `INVALID_DATE` instead of blanking a screen.
 */
export const MICRO_CENTS_PER_USD = 100_000_000;

export const CURRENCIES = ['USD', 'CNY'] as const;
export type Currency = (typeof CURRENCIES)[number];
/** How costs are shown: in USD, or in CNY at `rate` yuan per dollar. */
export interface Money {
  currency: Currency;
  rate: number;
}
export const USD: Money = { currency: 'USD', rate: 1 };
export const DEFAULT_CNY_RATE = 7.1;
const SYMBOL: Record<Currency, string> = { USD: '$', CNY: '¥' };

/** micro-cents (USD) → an amount in `money`'s currency. */
export function convertCost(microCents: number, money: Money = USD): number {
  const usd = microCents / MICRO_CENTS_PER_USD;
  return money.currency === 'USD' ? usd : usd * money.rate;
}

/** An amount already in `currency`'s units, e.g. 0.0123 → "$0.0123". */
export function formatAmount(amount: number, currency: Currency = 'USD'): string {
  const symbol = SYMBOL[currency];
  if (!Number.isFinite(amount) || amount <= 0) return `${symbol}0`;
  if (amount >= 1) return `${symbol}${amount.toFixed(2)}`;
  if (amount >= 0.01) return `${symbol}${amount.toFixed(4)}`;
  const digits = Math.min(8, 1 - Math.floor(Math.log10(amount)));
  return `${symbol}${amount.toFixed(digits)}`;
}

export function formatCost(microCents: number, money: Money = USD): string {
  return formatAmount(convertCost(microCents, money), money.currency);
}

/** A usable CNY-per-USD rate (the setting's text or number), or null. */
export function parseRate(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 && n < 1_000 ? n : null;
}

/** What a date that cannot be shown (out of range, NaN) renders as. */
export const INVALID_DATE = '—';
/**
 * JavaScript's Date range: ±100,000,000 days around the epoch (MAX_TIMESTAMP_MS of the schemas,
 * not imported from there: that module brings zod, which the renderer's first chunk must not).
 */
const MAX_DATE_MS = 8.64e15;

export function isValidTimestamp(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

/** Formats with `options`, or INVALID_DATE when `ms` is no date (never throws). */
export function formatTimestamp(ms: number, language: string, options: Intl.DateTimeFormatOptions): string {
  if (!isValidTimestamp(ms)) return INVALID_DATE;
  try {
    return new Intl.DateTimeFormat(language, options).format(ms);
  } catch {
    return INVALID_DATE;
  }
}

export function formatDateTime(ms: number, language: string): string {
  return formatTimestamp(ms, language, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(ms: number, language: string): string {
  return formatTimestamp(ms, language, { dateStyle: 'medium' });
}

/** YYYY-MM-DD of a local date, as the usage report keys its days (in the caller's offset). */
export function localDayKey(ms: number): string {
  if (!isValidTimestamp(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of `ms`'s day. */
export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** `<input type="date">` value (local) → epoch ms of that local midnight; '' → undefined. */
export function dateInputToMs(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

/** A YYYY-MM-DD day key (a learner summary's day) as the app writes dates: 2026年11月29日 / Nov 29, 2026; anything else as it is. */
export function formatDayKey(day: string, language: string): string {
  const ms = dateInputToMs(day);
  return ms === undefined ? day : formatDate(ms, language);
}

/** Local day after `ms`'s day, at midnight (daylight-saving safe). */
export function nextLocalDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() + 1);
  // Where a daylight-saving change skips midnight (Chile's spring), `ms`'s day starts at 1:00 and
  // setDate kept that hour: the next day's own first instant.
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** ms → value for `<input type="datetime-local">` in local time. */
export function toDateTimeInput(ms: number | null): string {
  // Also for a date the input cannot hold (beyond year 9999 or invalid): the field starts empty.
  if (ms === null || !isValidTimestamp(ms)) return '';
  const d = new Date(ms);
  if (d.getFullYear() < 1 || d.getFullYear() > 9999) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `<input type="datetime-local">` value → epoch ms; '' → null. */
export function fromDateTimeInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return isValidTimestamp(ms) ? ms : null;
}
