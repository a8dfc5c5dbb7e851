import { PgDialect } from 'drizzle-orm/pg-core';
import {
  contactSearchStatement,
  normalizeSearchText,
  organizationSearchStatement,
  parseSearchQuery,
  searchSuggestionsSql,
} from '../../src/models/search.model';

describe('parsing a directory search', () => {
  test('normalises case and accents and splits words', () => {
    expect(normalizeSearchText('Université LUMIÈRE Œuvre')).toBe('universite lumiere oeuvre');
    const parsed = parseSearchQuery('  Université   Lumière  Lyon 2 ');
    expect(parsed.mode).toBe('text');
    expect(parsed.text).toBe('Université Lumière Lyon 2');
    expect(parsed.words).toEqual(['universite', 'lumiere', 'lyon', '2']);
  });

  test('drops French stop words only when other words remain', () => {
    expect(parseSearchQuery('CREPS de Toulouse').words).toEqual(['creps', 'toulouse']);
    expect(parseSearchQuery("l'université de la mer").words).toEqual(['universite', 'mer']);
    expect(parseSearchQuery('de la').words).toEqual(['de', 'la']);
  });

  test('reduces words to letters and digits, so nothing reaches to_tsquery as an operator', () => {
    const parsed = parseSearchQuery("a' | b:* & !c (d) <-> e\\ ; drop table x; --");
    for (const word of parsed.words) expect(word).toMatch(/^[a-z0-9]+$/);
    expect(parsed.words).toEqual(['b', 'e', 'drop', 'table', 'x']);
  });

  test('recognises SIREN, SIRET (spaces allowed) and UAI', () => {
    expect(parseSearchQuery('130 002 306')).toMatchObject({ mode: 'siren', identifier: '130002306' });
    expect(parseSearchQuery('13000230600012')).toMatchObject({ mode: 'siret', identifier: '13000230600012' });
    expect(parseSearchQuery('0693836w')).toMatchObject({ mode: 'uai', identifier: '0693836W' });
    expect(parseSearchQuery('12345').mode).toBe('text');
  });

  test('searches an address when the input contains @', () => {
    const complete = parseSearchQuery('Helene.Martin@Univ-Lyon2.fr');
    expect(complete.mode).toBe('email');
    expect(complete.email).toEqual({ tsquery: "'helene.martin@univ-lyon2.fr':*", like: '%helene.martin@univ-lyon2.fr%' });
    const typing = parseSearchQuery('helene.martin@univ');
    expect(typing.email).toEqual({ tsquery: "'helene.martin':*", like: '%helene.martin@univ%' });
    expect(parseSearchQuery("o'brien@x.fr").email?.tsquery).toBe("'obrien@x.fr':*");
  });

  test('keeps typo matching for whole words and leaves it out while a short word is being typed', () => {
    expect(parseSearchQuery('Grenobel').fuzzyWords).toEqual(['grenobel']);
    expect(parseSearchQuery('universite lyon 2').fuzzyWords).toEqual(['universite', 'lyon']);
    expect(parseSearchQuery('universite ly').fuzzyWords).toEqual([]);
    // Numbers have no useful trigrams: the fuzzy side requires them as full-text words.
    expect(parseSearchQuery('lyonn 2')).toMatchObject({ fuzzyWords: ['lyonn'], numberWords: ['2'] });
  });

  test('treats blank or non-string input as empty', () => {
    expect(parseSearchQuery('   ').mode).toBe('empty');
    expect(parseSearchQuery(['a', 'b']).mode).toBe('empty');
    expect(parseSearchQuery('—').mode).toBe('empty');
    expect(parseSearchQuery('x'.repeat(500)).text).toHaveLength(100);
  });
});

describe('search statements', () => {
  const dialect = new PgDialect();

  test('carry user input only as bind parameters', () => {
    const nasty = "'); drop table organizations; --";
    const window = { limit: 5, offset: 0 };
    for (const statement of [
      organizationSearchStatement(parseSearchQuery(nasty), { kind: 'universite', region: '84' }, window),
      contactSearchStatement(parseSearchQuery(nasty), {}, window),
    ]) {
      const query = dialect.sqlToQuery(statement);
      expect(query.sql).not.toContain('drop table');
      expect(query.params).toContain("'); drop table organizations; --");
    }
  });

  test('use the indexed operators: tsquery match or trigram word similarity', () => {
    const [organizationsQuery, contactsQuery] = searchSuggestionsSql('universite lyon');
    expect(organizationsQuery?.text).toContain('o.search_document @@');
    expect(organizationsQuery?.text).toContain('o.search_name %>');
    expect(organizationsQuery?.text).toMatch(/limit \$\d+ offset \$\d+/);
    expect(organizationsQuery?.params).toEqual(expect.arrayContaining(['universite', 'universite:*', 'lyon', 'lyon:*', 5, 0]));
    expect(contactsQuery?.text).toContain('c.erased_at is null');
  });

  test('an identifier searches organisations only; an empty query sends nothing', () => {
    expect(searchSuggestionsSql('13000230600012')).toHaveLength(1);
    expect(searchSuggestionsSql('  ')).toHaveLength(0);
  });
});
