// Every journal view shows labels and names, never ids or codes: a convention's history
// (« Unité : — → Direction… », the responsable's name, « Euro (€) », « Sans flux financier »),
// an organisation's, and /admin/journal with its action filter in French.
import fs from 'node:fs';
import path from 'node:path';
import { labelAction } from '../../src/services/journal.service';
import { listUnits } from '../../src/models/units.model';
import type { User } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const UUID_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The lines of a page's history (`passerelle-changes` lists). */
function historyOf(html: string): string {
  return [...html.matchAll(/<ul class="passerelle-changes">([\s\S]*?)<\/ul>/g)].map((match) => match[1]).join('\n');
}

describe('audit diffs in words', () => {
  let harness: TestApp;
  let charge: User;
  let browser: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Martin' });
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
    await browser.get('/conventions');
  });
  afterAll(async () => {
    await harness.close();
  });

  it('names the unit and the responsable, and labels codes, in a convention’s history', async () => {
    const partner = await buildOrganization(harness.db, { name: 'Université de Brest', unitCodes: ['DDPSI'] });
    const unit = (await listUnits(harness.db)).find((candidate) => candidate.code === 'DDPSI');
    const created = await browser.post('/conventions/nouvelle', {
      title: 'Partenariat Brest',
      kind: 'partenariat',
      moneyDirection: 'sans_flux',
      unitId: String(unit?.id),
      ownerId: charge.id,
      endsOn: '2027-06-30',
      addPartyIds: [partner.id],
    });
    expect(created.status).toBe(303);
    const page = await browser.get(String(created.headers.location));
    const history = historyOf(page.text);
    expect(history).toContain(`<strong>Unité</strong> : — → ${unit?.name}`);
    expect(history).toContain('<strong>Responsable</strong> : — → Camille Martin');
    expect(history).toContain('<strong>Devise</strong> : — → Euro (€)');
    expect(history).toContain('<strong>Flux</strong> : — → Sans flux financier');
    expect(history).toContain('<strong>Type</strong> : — → Convention de partenariat');
    expect(history).toContain('<strong>Fin</strong> : — → 30/06/2027');
    expect(history).not.toMatch(UUID_TEXT);
    expect(history).not.toContain('sans_flux');
    expect(history).not.toContain('currency');
  });

  it('names people and units in /admin/journal, whose action filter is in French', async () => {
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
    const journal = await adminBrowser.get('/admin/journal');
    expect(journal.status).toBe(200);
    const filter = journal.text.match(/<select[^>]*id="filter-action"[^>]*>([\s\S]*?)<\/select>/)?.[1] ?? '';
    expect(filter).toContain('value="convention.created">Convention créée</option>');
    // No option shows its code as its label.
    for (const [, value, label] of filter.matchAll(/<option value="([^"]+)"[^>]*>([^<]*)<\/option>/g)) expect(label).not.toBe(value);
    const entityTypes = journal.text.match(/<select[^>]*id="filter-entity-type"[^>]*>([\s\S]*?)<\/select>/)?.[1] ?? '';
    expect(entityTypes).toContain('value="convention">Convention</option>');
    for (const [, value, label] of entityTypes.matchAll(/<option value="([^"]+)"[^>]*>([^<]*)<\/option>/g)) expect(label).not.toBe(value);
    const history = historyOf(journal.text);
    expect(history).toContain('Camille Martin');
    expect(history).not.toMatch(UUID_TEXT);
  });

  it('has a French label for every journal action the code writes', () => {
    const actions = new Set<string>();
    (function walk(dir: string) {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (full.endsWith('.ts')) for (const match of fs.readFileSync(full, 'utf8').matchAll(/action: '([a-zA-Z_]+\.[a-zA-Z_]+)'/g)) actions.add(match[1] as string);
      }
    })(path.join(__dirname, '../../src/services'));
    expect(actions.size).toBeGreaterThan(20);
    const unlabelled = [...actions].filter((action) => labelAction(action) === action);
    expect(unlabelled).toEqual([]);
  });
});
