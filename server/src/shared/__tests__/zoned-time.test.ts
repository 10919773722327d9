import { isTimeZone, wallClock, zonedDay, zonedInstant } from '../zoned-time.js';
import { localMinutes, localPeriods } from '../../modules/broadcasts/send-window.js';
import { endOfLocalDay } from '../../modules/dashboard/dashboard.service.js';

test('the day and the time are the brand zone’s, not the server’s', () => {
  // 16:30 UTC is already the next morning in Beijing.
  const at = Date.UTC(2026, 11, 7, 16, 30);
  expect(zonedDay(at, 'Asia/Shanghai')).toBe('2026-12-08');
  expect(zonedDay(at, 'America/New_York')).toBe('2026-12-07');
  expect(wallClock(at, 'Asia/Shanghai')).toEqual({ y: 2026, m: 12, d: 8, h: 0, mi: 30, s: 0 });
  expect(localMinutes(new Date(at), 'Asia/Shanghai')).toBe(30);
  expect(localPeriods(new Date(at), 'Asia/Shanghai')).toEqual({ day: '2026-12-08', month: '2026-12' });
});

test('instants follow daylight saving where a zone has it', () => {
  // New York: EST (−5) before 8 March 2026, EDT (−4) after.
  expect(new Date(zonedInstant(2026, 3, 7, '09:00', 'America/New_York')).toISOString()).toBe('2026-03-07T14:00:00.000Z');
  expect(new Date(zonedInstant(2026, 3, 9, '09:00', 'America/New_York')).toISOString()).toBe('2026-03-09T13:00:00.000Z');
  // A report day ends at the zone's midnight: 16:00 UTC for Beijing.
  expect(endOfLocalDay('2026-12-07', 'Asia/Shanghai').toISOString()).toBe('2026-12-07T16:00:00.000Z');
});

test('unknown zones are told apart from real ones', () => {
  expect(isTimeZone('Asia/Shanghai')).toBe(true);
  expect(isTimeZone('Mars/Olympus')).toBe(false);
});
