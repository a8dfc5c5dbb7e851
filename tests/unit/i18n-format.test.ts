import { formatDate, formatDateTime, formatNumber, startOfParisDay } from '../../src/lib/format';
import { labelFor, t } from '../../src/lib/i18n';
import { urlWith } from '../../src/web/view-engine';

describe('messages and formats', () => {
  test('t() fills placeholders and falls back to the key', () => {
    expect(t('validation.passwordTooShort', { min: 12 })).toBe('Le mot de passe doit contenir au moins 12 caractères.');
    expect(t('nope.missing')).toBe('nope.missing');
    expect(labelFor('audits', 'user.created')).toBe('Compte créé');
  });

  test('dates show in Paris time, French style, whatever the server zone', () => {
    expect(formatDate(new Date('2026-07-14T22:30:00Z'))).toBe('15/07/2026');
    expect(formatDateTime(new Date('2026-01-05T08:05:00Z'))).toBe('05/01/2026 à 09:05');
    expect(formatNumber(1234567.5)).toBe('1\u202f234\u202f567,5');
  });

  test('a Paris day starts at 22:00 or 23:00 UTC the day before', () => {
    expect(startOfParisDay('2026-07-14').toISOString()).toBe('2026-07-13T22:00:00.000Z');
    expect(startOfParisDay('2026-01-14').toISOString()).toBe('2026-01-13T23:00:00.000Z');
  });

  test('urlWith keeps filters, replaces some and drops empty ones', () => {
    expect(urlWith('/admin/utilisateurs', { q: 'zoé', role: 'charge', page: 3 }, { page: '', sort: 'name' })).toBe('/admin/utilisateurs?q=zo%C3%A9&role=charge&sort=name');
  });
});
