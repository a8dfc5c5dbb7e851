import { PgDialect } from 'drizzle-orm/pg-core';
import {
  contactSearchStatement,
  normalizeSearchText,
  organizationSearchStatement,
  parseSearchQuery,
  searchSuggestionsSql,
  typoPieces,
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

  test('lets the typo pass approximate words of 5+ letters, only when another word anchors the search', () => {
    expect(parseSearchQuery('conservatoire natinal superieur de musique').typoWords).toEqual(['conservatoire', 'natinal', 'superieur', 'musique']);
    expect(parseSearchQuery('universite lyon 2').typoWords).toEqual(['universite']);
    // One word alone: the first statement's word similarity is all there is.
    expect(parseSearchQuery('natinal').typoWords).toEqual([]);
    expect(parseSearchQuery('CREPS de Toulouse').typoWords).toEqual(['creps', 'toulouse']);
    expect(parseSearchQuery('13000230600012').typoWords).toEqual([]);
  });

  test('cuts a word into pieces one slip cannot all break', () => {
    expect(typoPieces('rouen')).toEqual(['rou', 'uen']);
    expect(typoPieces('nantes')).toEqual(['nan', 'tes']);
    expect(typoPieces('natinal')).toEqual(['nati', 'nal']);
    expect(typoPieces('pharmacie')).toEqual(['pha', 'rma', 'cie']);
    expect(typoPieces('conservatoire')).toEqual(['cons', 'ervat', 'oire']);
    // Any one wrong, missing, extra or swapped letter of a 6+ letter word leaves a piece whole.
    const word = 'solidarites';
    const slips: string[] = [];
    for (let index = 0; index < word.length; index += 1) {
      slips.push(`${word.slice(0, index)}x${word.slice(index + 1)}`, `${word.slice(0, index)}${word.slice(index + 1)}`, `${word.slice(0, index)}x${word.slice(index)}`);
      if (index + 1 < word.length) slips.push(`${word.slice(0, index)}${word[index + 1]}${word[index]}${word.slice(index + 2)}`);
    }
    for (const slip of slips) expect({ slip, whole: typoPieces(slip).some((piece) => word.includes(piece)) }).toEqual({ slip, whole: true });
    for (const piece of typoPieces('abcdefghijklmnopqrstuvwxyz')) expect(piece.length).toBeGreaterThanOrEqual(3);
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

  test('a text query that may hold a slip comes with its typo pass as a fallback, bound like the rest', () => {
    const [organizationsQuery, contactsQuery] = searchSuggestionsSql('conservatoire natinal superieur');
    expect(organizationsQuery?.fallback?.text).toContain('strict_word_similarity(');
    expect(organizationsQuery?.fallback?.text).toContain('o.search_name like $');
    expect(organizationsQuery?.fallback?.params).toEqual(expect.arrayContaining(['natinal', '%nati%', '%nal%']));
    expect(contactsQuery?.fallback?.text).toContain('c.search_name');
    // Contacts: a first and last name, not an organisation's long name.
    expect(searchSuggestionsSql('conservatoire natinal superieur musique')[1]?.fallback).toBeUndefined();
    expect(searchSuggestionsSql('conservatoire natinal superieur musique')[0]?.fallback).toBeDefined();
    // First page: no second look at the first statement; further pages check it matches nothing.
    expect(organizationsQuery?.fallback?.text).not.toContain('not exists');
    const later = dialect.sqlToQuery(organizationSearchStatement(parseSearchQuery('conservatoire natinal'), {}, { limit: 20, offset: 20 }, 'typo'));
    expect(later.sql).toContain('not exists (select 1 from organizations g');
    expect(searchSuggestionsSql('natinal')[0]?.fallback).toBeUndefined();
    expect(searchSuggestionsSql('13000230600012')[0]?.fallback).toBeUndefined();
  });

  test('an identifier searches organisations only; an empty query sends nothing', () => {
    expect(searchSuggestionsSql('13000230600012')).toHaveLength(1);
    expect(searchSuggestionsSql('  ')).toHaveLength(0);
  });
});
