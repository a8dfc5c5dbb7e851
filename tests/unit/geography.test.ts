// The communes a text typed in the commune field designates (src/lib/geography.ts): what the
// organisation form resolves on the server when no suggestion was chosen.
import { communesMatching } from '../../src/lib/geography';

const codes = (text: string) => communesMatching(text).map((commune) => commune.code);

describe('communesMatching', () => {
  test.each([
    ['Nantes', ['44109']],
    ['nantes', ['44109']],
    ['44200 Nantes', ['44109']],
    ['Nantes 44200', ['44109']],
    ['Nantes (44300)', ['44109']],
    ['44200', ['44109']],
    ['Paris 11e', ['75111']],
    // A postcode alone that an arrondissement shares with its city: the arrondissement.
    ['75011', ['75111']],
    ['Saint-Étienne', ['42218']],
    ['saint etienne', ['42218']],
    ['93200 Saint-Denis', ['93066']],
  ])('« %s » names one commune', (text, expected) => {
    expect(codes(text)).toEqual(expected);
  });

  test('a name several communes share gives them all, the most populated first', () => {
    const found = codes('Saint-Denis');
    expect(found.length).toBeGreaterThan(2);
    expect(found.slice(0, 2)).toEqual(['97411', '93066']);
  });

  test('a name that starts several names gives them; an exact name wins over names it starts', () => {
    expect(codes('Saint-Ét').length).toBeGreaterThan(1);
    expect(codes('Lyon')).toEqual(['69123']);
  });

  test('nothing for an unknown name, an unknown postcode, a name outside the postcode, or nothing typed', () => {
    expect(codes('Xyzzyville')).toEqual([]);
    expect(codes('99999')).toEqual([]);
    expect(codes('75011 Nantes')).toEqual([]);
    expect(codes('   ')).toEqual([]);
  });
});
