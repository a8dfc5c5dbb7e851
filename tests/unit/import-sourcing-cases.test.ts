// The « pistes » target's pure reading: budgets as people write them, sources by their usual words,
// the case's cells (source through the wizard's value map, tags, summary), deciding a row.
import { budgetCents, decideCaseRow, readCaseCells, suggestCaseSource } from '../../src/services/import-sourcing-cases';
import type { ImportOptions } from '../../src/models/schema';

const OPTIONS: ImportOptions = { matchKey: 'none', mode: 'create_only', defaultKindCode: 'startup', defaultStatus: 'prospect', unitIds: [] };

describe('import « pistes »: reading', () => {
  test('budgets in euros as people write them; unreadable ones are flagged', () => {
    expect(budgetCents('25 k€')).toBe(2_500_000);
    expect(budgetCents('12 500,50 €')).toBe(1_250_050);
    expect(budgetCents('1.200.000')).toBe(120_000_000);
    expect(budgetCents('40000')).toBe(4_000_000);
    expect(budgetCents('1,2 M€')).toBe(120_000_000);
    expect(budgetCents('')).toBeNull();
    expect(budgetCents('environ dix mille')).toBe('invalid');
  });

  test('sources by code, label or usual words', () => {
    expect(suggestCaseSource('Salon EducaTech 2025')).toBe('salon');
    expect(suggestCaseSource('Concours i-Lab')).toBe('concours_ilab');
    expect(suggestCaseSource('i-Lab 2024')).toBe('concours_ilab');
    expect(suggestCaseSource('Incubée chez Euratechnologies')).toBe('incubateur');
    expect(suggestCaseSource('Candidature spontanée')).toBe('candidature_spontanee');
    expect(suggestCaseSource('recommandation')).toBe('recommandation');
    expect(suggestCaseSource('Café du coin')).toBeNull();
  });

  test('the case cells: the value map wins, unknown source is « veille » with a warning, tags split and deduplicated', () => {
    const values = new Map([
      ['source', ['Forum des start-up']],
      ['tags', ['évaluation, IA ; évaluation']],
      ['summary', ['Quiz adaptatifs']],
      ['estimatedBudget', ['30k€']],
    ]);
    const unknown = readCaseCells(values, OPTIONS);
    expect(unknown).toMatchObject({ source: 'salon', tags: ['évaluation', 'IA'], summary: 'Quiz adaptatifs', estimatedBudgetCents: 3_000_000 });
    const mapped = readCaseCells(values, { ...OPTIONS, valueMaps: { source: { 'Forum des start-up': 'recommandation' } } });
    expect(mapped.source).toBe('recommandation');
    const strange = readCaseCells(new Map([['source', ['Café du coin']]]), OPTIONS);
    expect(strange.source).toBe('veille');
    expect(strange.warnings.map((warning) => warning.field)).toEqual(['source']);
    expect(readCaseCells(new Map([['source', ['Café du coin']]]), { ...OPTIONS, valueDefaults: { source: 'salon' } })).toMatchObject({ source: 'salon', warnings: [] });
  });

  test('deciding: one organisation is used, none is created, several wait for a choice', () => {
    expect(decideCaseRow(['a'], undefined)).toEqual({ action: 'use', organizationId: 'a' });
    expect(decideCaseRow([], undefined)).toEqual({ action: 'create' });
    expect(decideCaseRow(['a', 'b'], undefined)).toEqual({ action: 'ambiguous', candidateIds: ['a', 'b'] });
    expect(decideCaseRow(['a', 'b'], 'b')).toEqual({ action: 'use', organizationId: 'b' });
    expect(decideCaseRow(['a', 'b'], 'create')).toEqual({ action: 'create' });
    expect(decideCaseRow(['a', 'b'], 'skip').action).toBe('skip');
    expect(decideCaseRow(['a', 'b'], 'c').action).toBe('ambiguous');
  });
});
