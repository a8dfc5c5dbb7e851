import { PassThrough } from 'node:stream';
import { contactToVcard, escapeText, foldLine, vcardFileName, writeVcards, type VcardContact } from '../../src/lib/exports/vcard';

/** RFC 6350 §3.2 unfolding: a CRLF followed by one space or tab disappears. */
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');

function buildContact(overrides: Partial<VcardContact> = {}): VcardContact {
  return {
    id: '0b9f6a3e-4c1d-4f7e-9a2b-5c6d7e8f9a0b',
    civility: 'Mme',
    firstName: 'Hélène',
    lastName: 'Dupont-Lefèvre',
    jobTitle: 'Directrice du développement',
    emails: ['helene.dupont@univ-lyon1.fr', 'h.dupont@example.org'],
    phones: ['+33612345678', '+33472000000'],
    linkedinUrl: 'https://www.linkedin.com/in/helene-dupont',
    organizationName: 'Université Claude Bernard Lyon 1',
    notes: 'Rencontrée au salon; très intéressée, à relancer\nen septembre',
    updatedAt: new Date('2026-07-14T22:30:05.123Z'),
    ...overrides,
  };
}

describe('contactToVcard', () => {
  test('writes a vCard 4.0 with CRLF line ends and the expected properties', () => {
    const card = contactToVcard(buildContact());
    expect(card.endsWith('END:VCARD\r\n')).toBe(true);
    expect(card.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(unfold(card).split('\r\n')).toEqual([
      'BEGIN:VCARD',
      'VERSION:4.0',
      'KIND:individual',
      'FN:Hélène Dupont-Lefèvre',
      'N:Dupont-Lefèvre;Hélène;;Mme;',
      'ORG:Université Claude Bernard Lyon 1',
      'TITLE:Directrice du développement',
      'EMAIL;PREF=1:helene.dupont@univ-lyon1.fr',
      'EMAIL:h.dupont@example.org',
      'TEL;VALUE=uri;PREF=1;TYPE=cell:tel:+33612345678',
      'TEL;VALUE=uri:tel:+33472000000',
      'URL:https://www.linkedin.com/in/helene-dupont',
      'NOTE:Rencontrée au salon\\; très intéressée\\, à relancer\\nen septembre',
      'UID:urn:uuid:0b9f6a3e-4c1d-4f7e-9a2b-5c6d7e8f9a0b',
      'REV:20260714T223005Z',
      'END:VCARD',
      '',
    ]);
  });

  test('escapes backslash, comma, semicolon and line breaks in text values', () => {
    expect(escapeText('a\\b, c; d\r\ne\rf\ng')).toBe('a\\\\b\\, c\\; d\\ne\\nf\\ng');
    const card = unfold(contactToVcard(buildContact({ organizationName: 'Dupont; Fils, associés', lastName: 'O\\Brien' })));
    expect(card).toContain('ORG:Dupont\\; Fils\\, associés\r\n');
    expect(card).toContain('N:O\\\\Brien;Hélène;;Mme;\r\n');
  });

  test('omits empty optional properties and keeps a non-E.164 phone as text', () => {
    const card = unfold(
      contactToVcard({ id: 'legacy-42', firstName: '', lastName: 'Martin', emails: [], phones: ['04 72 00 00 00'], linkedinUrl: 'javascript:alert(1)' }),
    );
    expect(card).toContain('FN:Martin\r\n');
    expect(card).toContain('N:Martin;;;;\r\n');
    expect(card).toContain('TEL;VALUE=text;PREF=1:04 72 00 00 00\r\n');
    expect(card).toContain('UID;VALUE=text:legacy-42\r\n');
    expect(card).not.toMatch(/^(ORG|TITLE|EMAIL|URL|NOTE|REV)/m);
  });

  test('folds long lines at 75 octets without splitting accents or emoji', () => {
    const notes = `Équipe pédagogique 🎓 très engagée — ${'éà🇫🇷👩🏽‍🏫'.repeat(20)} fin`;
    const card = contactToVcard(buildContact({ notes }));
    for (const line of card.split('\r\n')) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      // A split multi-byte character would show up as U+FFFD once decoded alone.
      expect(Buffer.from(line, 'utf8').toString('utf8')).not.toContain('\uFFFD');
      expect(line).not.toMatch(/[\uD800-\uDBFF]$/);
    }
    const folded = card.split('\r\n').filter((line) => line.startsWith(' '));
    expect(folded.length).toBeGreaterThan(5);
    expect(unfold(card)).toContain(`NOTE:${escapeText(notes)}\r\n`);
  });

  test('foldLine leaves a short line alone and starts continuations with one space', () => {
    expect(foldLine('FN:Zoé')).toBe('FN:Zoé');
    const folded = foldLine(`NOTE:${'a'.repeat(200)}`);
    const lines = folded.split('\r\n');
    expect(lines.map((line) => line.length)).toEqual([75, 75, 57]);
    expect(lines.slice(1).every((line) => line.startsWith(' ') && !line.startsWith('  '))).toBe(true);
    // A 2-octet character that would end at octet 76 moves to the next line.
    const [first] = foldLine(`${'a'.repeat(74)}é`).split('\r\n');
    expect(first).toBe('a'.repeat(74));
  });

  test('names the file without accents', () => {
    expect(vcardFileName({ firstName: 'Hélène', lastName: 'Dupont-Lefèvre' })).toBe('dupont-lefevre-helene.vcf');
    expect(vcardFileName({ firstName: '', lastName: '🎓' })).toBe('contact.vcf');
  });
});

describe('writeVcards', () => {
  test('streams several cards one after the other and counts them', async () => {
    async function* contacts() {
      yield buildContact();
      yield buildContact({ id: '1b9f6a3e-4c1d-4f7e-9a2b-5c6d7e8f9a0b', firstName: 'Zoé' });
    }
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const count = await writeVcards(out, contacts());
    const text = Buffer.concat(chunks).toString('utf8');
    expect(count).toBe(2);
    expect(text.match(/BEGIN:VCARD\r\n/g)).toHaveLength(2);
    expect(text.match(/END:VCARD\r\n/g)).toHaveLength(2);
    expect(out.writableEnded).toBe(true);
  });
});
