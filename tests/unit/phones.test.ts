// Phone numbers of src/lib/phones.ts, the one rule the organisation and contact forms and the
// imports share. Numbers are shaped like the public switchboards of universities and other
// institutions (never a person's line).
import { formatPhone, parsePhone } from '../../src/lib/phones';

describe('parsePhone: overseas France stored under the territory’s own code', () => {
  test.each([
    // La Réunion: written nationally, with +33, 0033, 33 (no « + », as spreadsheets keep it), and with +262.
    ['0262 93 80 80', '+262262938080', '0262 93 80 80'],
    ['02 62 93 80 80', '+262262938080', '0262 93 80 80'],
    ['+33 262 93 80 80', '+262262938080', '0262 93 80 80'],
    ['+33 (0)2 62 93 80 80', '+262262938080', '0262 93 80 80'],
    ['0033 262 93 80 80', '+262262938080', '0262 93 80 80'],
    ['33262938080', '+262262938080', '0262 93 80 80'],
    ['262262938080', '+262262938080', '0262 93 80 80'],
    ['+262 262 93 80 80', '+262262938080', '0262 93 80 80'],
    ['0692 12 34 56', '+262692123456', '0692 12 34 56'],
    // Mayotte: 0269 is also accepted by libphonenumber as a metropolitan number; it is Mayotte's.
    ['0269 61 07 54', '+262269610754', '0269 61 07 54'],
    ['+33 269 61 07 54', '+262269610754', '0269 61 07 54'],
    ['0639 62 12 34', '+262639621234', '0639 62 12 34'],
    // Guadeloupe, Saint-Barthélemy, Saint-Martin (+590).
    ['0590 48 30 30', '+590590483030', '0590 48 30 30'],
    ['+33 590 12 34 56', '+590590123456', '0590 12 34 56'],
    ['0690 12 34 56', '+590690123456', '0690 12 34 56'],
    ['0590 27 12 34', '+590590271234', '0590 27 12 34'],
    ['0590 87 50 00', '+590590875000', '0590 87 50 00'],
    // Guyane.
    ['0594 29 99 99', '+594594299999', '0594 29 99 99'],
    ['0033594299999', '+594594299999', '0594 29 99 99'],
    ['0694 12 34 56', '+594694123456', '0694 12 34 56'],
    // Martinique.
    ['0596 72 73 00', '+596596727300', '0596 72 73 00'],
    ['05.96.72.73.00', '+596596727300', '0596 72 73 00'],
    ['0696 12 34 56', '+596696123456', '0696 12 34 56'],
    // Saint-Pierre-et-Miquelon: 0508 + six digits from France, +508 and six digits in E.164.
    ['0508 41 23 45', '+508412345', '0508 41 23 45'],
    ['+33 508 41 23 45', '+508412345', '0508 41 23 45'],
    ['+508 41 23 45', '+508412345', '0508 41 23 45'],
    // Nouvelle-Calédonie, Polynésie française, Wallis-et-Futuna: outside the French plan, shown internationally.
    ['+687 29 02 90', '+687290290', '+687 29 02 90'],
    ['00687 29 02 90', '+687290290', '+687 29 02 90'],
    ['+689 40 80 38 03', '+68940803803', '+689 40 80 38 03'],
    ['+33 689 40 80 38 03', '+68940803803', '+689 40 80 38 03'],
    ['+681 72 12 34', '+681721234', '+681 72 12 34'],
  ])('« %s » → %s, shown « %s »', (typed, e164, shown) => {
    const parsed = parsePhone(typed);
    expect(parsed).toEqual({ ok: true, e164, national: shown, international: expect.stringMatching(/^\+\d/) });
    expect(formatPhone(e164)).toBe(shown);
  });
});

describe('parsePhone: metropolitan and foreign numbers unchanged', () => {
  test.each([
    ['01 44 27 44 27', '+33144274427', '01 44 27 44 27'],
    ['+33 1 44 27 44 27', '+33144274427', '01 44 27 44 27'],
    ['0033 1 44 27 44 27', '+33144274427', '01 44 27 44 27'],
    ['04 76 82 54 00', '+33476825400', '04 76 82 54 00'],
    ['05 61 55 66 11', '+33561556611', '05 61 55 66 11'],
    ['03 83 68 20 00', '+33383682000', '03 83 68 20 00'],
    // Metropolitan mobiles that begin like a Pacific calling code stay metropolitan.
    ['06 87 26 58 00', '+33687265800', '06 87 26 58 00'],
    ['+33 6 89 40 80 38', '+33689408038', '06 89 40 80 38'],
    ['06 81 72 12 34', '+33681721234', '06 81 72 12 34'],
    ['09 76 12 34 56', '+33976123456', '09 76 12 34 56'],
    ['+44 20 7946 0000', '+442079460000', '+44 20 7946 0000'],
    ['+32 2 650 21 11', '+3226502111', '+32 2 650 21 11'],
  ])('« %s » → %s, shown « %s »', (typed, e164, shown) => {
    const parsed = parsePhone(typed);
    expect(parsed.ok && parsed.e164).toBe(e164);
    expect(formatPhone(e164)).toBe(shown);
  });

  test.each([
    [''],
    ['12'],
    ['téléphone'],
    // A metropolitan number with one digit too many is no American or overseas number.
    ['01 44 27 44 27 1'],
    ['0262 93 80 8'],
    ['0590 12 34 56 78'],
    ['+33 262 93'],
    ['1'.repeat(41)],
  ])('« %s » is refused', (typed) => {
    expect(parsePhone(typed)).toEqual({ ok: false });
  });

  test('a stored number is read back to the same E.164, whichever form it was typed in', () => {
    for (const typed of ['0262 93 80 80', '+33 590 12 34 56', '0508 41 23 45', '+689 40 80 38 03', '01 44 27 44 27']) {
      const parsed = parsePhone(typed);
      if (!parsed.ok) throw new Error(`refused: ${typed}`);
      const again = parsePhone(formatPhone(parsed.e164));
      expect(again.ok && again.e164).toBe(parsed.e164);
    }
  });

  test('a number stored under +33 before the overseas rule is shown as its territory’s', () => {
    expect(formatPhone('+33269610754')).toBe('0269 61 07 54');
    expect(formatPhone('+33508412345')).toBe('0508 41 23 45');
  });

  test('formatPhone leaves a text that is no number as it is', () => {
    expect(formatPhone('standard')).toBe('standard');
  });
});
