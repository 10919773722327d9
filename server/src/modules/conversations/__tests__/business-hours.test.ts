import { addBusinessTime, describeOpening, isOpen, type BusinessHours } from '../business-hours.js';

/** Weekdays 09:00–18:00 in Shanghai (UTC+8, no DST). 2027-01-08 is a Friday. */
const office = (extra: Partial<BusinessHours> = {}): BusinessHours => ({
  timezone: 'Asia/Shanghai',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '18:00' })),
  holidays: [],
  workdays: [],
  ...extra,
});
const FIVE_MINUTES = 5 * 60_000;
const at = (iso: string) => new Date(iso);

test('a chat handed over at 21:00 on Friday with a 5-minute target is due 5 minutes after Monday opens', () => {
  expect(addBusinessTime(at('2027-01-08T21:00:00+08:00'), FIVE_MINUTES, office()).toISOString()).toBe(at('2027-01-11T09:05:00+08:00').toISOString());
});

test('the clock stops at closing time and runs on at the next opening', () => {
  expect(addBusinessTime(at('2027-01-08T17:58:00+08:00'), FIVE_MINUTES, office()).toISOString()).toBe(at('2027-01-11T09:03:00+08:00').toISOString());
  expect(addBusinessTime(at('2027-01-06T10:00:00+08:00'), FIVE_MINUTES, office()).toISOString()).toBe(at('2027-01-06T10:05:00+08:00').toISOString());
});

test('a holiday is skipped and a make-up working day counts, with the weekday hours', () => {
  expect(addBusinessTime(at('2027-01-08T21:00:00+08:00'), FIVE_MINUTES, office({ holidays: ['2027-01-11'] })).toISOString()).toBe(
    at('2027-01-12T09:05:00+08:00').toISOString(),
  );
  expect(addBusinessTime(at('2027-01-08T21:00:00+08:00'), FIVE_MINUTES, office({ workdays: ['2027-01-09'] })).toISOString()).toBe(
    at('2027-01-09T09:05:00+08:00').toISOString(),
  );
});

test('without hours the clock is calendar time', () => {
  expect(addBusinessTime(at('2027-01-08T21:00:00+08:00'), FIVE_MINUTES, null).toISOString()).toBe(at('2027-01-08T21:05:00+08:00').toISOString());
});

test('opening times follow the zone across a daylight-saving change', () => {
  // New York springs forward on 2027-03-14; Monday 09:00 there is 13:00 UTC (EDT), not 14:00 (EST).
  const ny = office({ timezone: 'America/New_York' });
  expect(addBusinessTime(at('2027-03-12T23:00:00Z'), 0, ny).toISOString()).toBe('2027-03-15T13:00:00.000Z');
  expect(isOpen(at('2027-03-15T13:30:00Z'), ny)).toBe(true);
  expect(isOpen(at('2027-03-15T12:30:00Z'), ny)).toBe(false);
});

test('the next opening is said as the customer reads a date', () => {
  expect(describeOpening(at('2027-01-11T09:00:00+08:00'), office())).toBe('1月11日（周一）09:00');
});
