import { ConfigError, parseConfig } from '../../src/config';

describe('configuration', () => {
  test('defaults to embedded mode on port 3000 with ./data', () => {
    const config = parseConfig({});
    expect(config.databaseMode).toBe('embedded');
    expect(config.PORT).toBe(3000);
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.MIGRATE_ON_START).toBe(true);
  });

  test('DATABASE_URL switches to server mode', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://db/passerelle' }).databaseMode).toBe('server');
  });

  test('a wrong value stops the start with a message naming the variable', () => {
    expect(() => parseConfig({ PORT: 'quatre-vingts', REDIS_URL: 'http://nope' })).toThrow(ConfigError);
    try {
      parseConfig({ PORT: 'quatre-vingts', REDIS_URL: 'http://nope' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('REDIS_URL: doit commencer par redis://');
    }
  });

  test('a short ADMIN_PASSWORD or a password without email is refused', () => {
    expect(() => parseConfig({ ADMIN_EMAIL: 'a@b.fr', ADMIN_PASSWORD: 'court' })).toThrow(/ADMIN_PASSWORD: au moins 12 caractères/);
    expect(() => parseConfig({ ADMIN_PASSWORD: 'assez long pour passer' })).toThrow(/ADMIN_EMAIL doit aussi être défini/);
  });

  test('production server mode requires SESSION_SECRET', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/p' })).toThrow(/SESSION_SECRET/);
  });

  test('booleans accept French and English spellings', () => {
    expect(parseConfig({ COOKIE_SECURE: 'oui', MIGRATE_ON_START: 'false' })).toMatchObject({ COOKIE_SECURE: true, MIGRATE_ON_START: false });
  });
});
