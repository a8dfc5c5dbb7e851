import { maskSecretUrl } from '../../src/lib/logger';

describe('maskSecretUrl', () => {
  it('keeps the secrets of signed links out of the logs', () => {
    expect(maskSecretUrl('/agenda/eyJwIjoiY2FsZW5kYXItZmVlZCJ9.c2ln.ics')).toBe('/agenda/[masqué].ics');
    expect(maskSecretUrl('/invitation/abc.def?reponse=accepte')).toBe('/invitation/[masqué]?reponse=accepte');
    expect(maskSecretUrl('/desabonnement/abc.def')).toBe('/desabonnement/[masqué]');
    expect(maskSecretUrl('/setup/tpIY9_S9ae9n1XC4')).toBe('/setup/[masqué]');
    expect(maskSecretUrl('/mot-de-passe/xyz')).toBe('/mot-de-passe/[masqué]');
  });

  it('leaves every other URL as it is', () => {
    for (const url of ['/agenda', '/agenda?mois=2026-12', '/agenda/echanges/00000000-0000-4000-8000-000000000000.ics', '/agenda/evenements/x.ics', '/compte', '/echanges/42']) {
      expect(maskSecretUrl(url)).toBe(url);
    }
    expect(maskSecretUrl(undefined)).toBeUndefined();
  });
});
