// The role × route matrix for the partner directory: everyone signed in reads the shared file;
// charge and manager edit records of their units (or that they own); archive and erase are
// manager/admin; restore and field restrictions are admin only.
import type { Role } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

type Who = Role | 'anonymous';
const WHO: Who[] = ['anonymous', 'admin', 'manager', 'charge', 'juriste', 'finance', 'lecteur'];
const EDITORS: Who[] = ['admin', 'manager', 'charge'];

interface Fixtures {
  ownUnitOrg: string;
  otherUnitOrg: string;
  archivableOrg: string;
  archivedOrg: string;
  contact: string;
  otherUnitContact: string;
}

interface RouteCase {
  method: 'GET' | 'POST';
  path: (ids: Fixtures) => string;
  form?: Record<string, string>;
  expect: (who: Who) => number;
}

const signedIn = (allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : allowed);
const only = (roles: Who[], allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : roles.includes(who) ? allowed : 403);

const ROUTES: RouteCase[] = [
  { method: 'GET', path: () => '/structures', expect: signedIn(200) },
  { method: 'GET', path: () => '/structures?kind=universite&status=actif&sort=updated&dir=desc', expect: signedIn(200) },
  { method: 'GET', path: (ids) => `/structures/${ids.ownUnitOrg}`, expect: signedIn(200) },
  { method: 'GET', path: () => '/structures/export.csv', expect: signedIn(200) },
  { method: 'GET', path: () => '/structures/nouveau', expect: only(EDITORS, 200) },
  { method: 'POST', path: () => '/structures/nouveau', form: { name: '' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: (ids) => `/structures/${ids.ownUnitOrg}/modifier`, expect: only(EDITORS, 200) },
  // A record of another unit that they do not own: only admins edit it.
  { method: 'GET', path: (ids) => `/structures/${ids.otherUnitOrg}/modifier`, expect: only(['admin'], 200) },
  { method: 'POST', path: (ids) => `/structures/${ids.otherUnitOrg}/modifier`, form: { name: '' }, expect: only(['admin'], 422) },
  { method: 'POST', path: (ids) => `/structures/${ids.archivableOrg}/archiver`, expect: only(['admin', 'manager'], 303) },
  { method: 'POST', path: (ids) => `/structures/${ids.archivedOrg}/restaurer`, expect: only(['admin'], 303) },
  { method: 'GET', path: () => '/contacts', expect: signedIn(200) },
  { method: 'GET', path: () => '/contacts/a-revoir', expect: signedIn(200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}`, expect: signedIn(200) },
  { method: 'GET', path: () => '/contacts/export.vcf', expect: signedIn(200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/donnees-personnelles`, expect: signedIn(200) },
  { method: 'GET', path: () => '/contacts/nouveau', expect: only(EDITORS, 200) },
  { method: 'POST', path: () => '/contacts/nouveau', form: { lastName: '' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: (ids) => `/contacts/${ids.otherUnitContact}/modifier`, expect: only(['admin'], 200) },
  { method: 'GET', path: (ids) => `/contacts/${ids.contact}/effacer`, expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: (ids) => `/contacts/${ids.contact}/effacer`, form: { reason: '' }, expect: only(['admin', 'manager'], 422) },
  { method: 'GET', path: () => '/admin/champs-reserves', expect: only(['admin'], 200) },
  { method: 'GET', path: () => '/doublons', expect: signedIn(200) },
  { method: 'GET', path: () => '/doublons?type=contacts&motif=courriel', expect: signedIn(200) },
  { method: 'POST', path: () => '/doublons/ecarter', form: { type: 'structures' }, expect: only(['admin', 'manager'], 422) },
  { method: 'GET', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}`, expect: only(['admin', 'manager'], 200) },
  { method: 'GET', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}/${ids.otherUnitOrg}`, expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: (ids) => `/doublons/structures/${ids.ownUnitOrg}/${ids.ownUnitOrg}`, expect: only(['admin', 'manager'], 409) },
  { method: 'GET', path: (ids) => `/doublons/contacts/${ids.contact}/${ids.otherUnitContact}`, expect: only(['admin', 'manager'], 200) },
  { method: 'GET', path: () => '/doublons/fusions', expect: only(['admin', 'manager'], 200) },
  { method: 'POST', path: () => '/doublons/fusions/00000000-0000-4000-8000-000000000000/annuler', expect: only(['admin'], 404) },
  // Imports: charge, manager and admin; a lecteur (or juriste, finance) cannot import.
  { method: 'GET', path: () => '/imports', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/imports?type=organizations&status=completed&page=2', expect: only(EDITORS, 200) },
  { method: 'GET', path: () => '/imports/nouveau', expect: only(EDITORS, 200) },
  // Not multipart: no file, so the form comes back with a French message.
  { method: 'POST', path: () => '/imports', form: { entityType: 'organizations' }, expect: only(EDITORS, 422) },
  { method: 'GET', path: () => '/imports/00000000-0000-4000-8000-000000000000', expect: only(EDITORS, 404) },
  { method: 'POST', path: () => '/imports/00000000-0000-4000-8000-000000000000/annuler', expect: only(EDITORS, 404) },
];

describe('directory: role × route matrix', () => {
  let harness: TestApp;
  const browsers = new Map<Who, TestBrowser>();
  const fixtures = new Map<Who, Fixtures>();

  beforeAll(async () => {
    harness = await startTestApp();
    const ownUnitOrg = await buildOrganization(harness.db, { name: 'Université de test (DDPSI)', kindCode: 'universite', unitCodes: ['DDPSI'] });
    const otherUnitOrg = await buildOrganization(harness.db, { name: 'Entreprise de l’UO Pro', unitCodes: ['UO-PRO'] });
    const contact = await buildContact(harness.db, { unitCodes: ['DDPSI'], organizationId: ownUnitOrg.id, emails: ['camille@exemple.fr'] });
    const otherUnitContact = await buildContact(harness.db, { unitCodes: ['UO-PRO'], organizationId: otherUnitOrg.id });
    for (const who of WHO) {
      // Each visitor archives and restores records of their own, so the cases stay independent.
      const archivableOrg = await buildOrganization(harness.db, { name: `À archiver par ${who}`, unitCodes: ['DDPSI'] });
      const archivedOrg = await buildOrganization(harness.db, { name: `Archivée pour ${who}`, unitCodes: ['DDPSI'], archivedAt: new Date() });
      fixtures.set(who, {
        ownUnitOrg: ownUnitOrg.id,
        otherUnitOrg: otherUnitOrg.id,
        archivableOrg: archivableOrg.id,
        archivedOrg: archivedOrg.id,
        contact: contact.id,
        otherUnitContact: otherUnitContact.id,
      });
      const browser = new TestBrowser(harness.app);
      if (who !== 'anonymous') {
        const user = await buildUser(harness.db, { roles: [who], unitCodes: ['DDPSI'] });
        await browser.login(user.email);
      } else {
        await browser.get('/login');
      }
      browsers.set(who, browser);
    }
  });
  afterAll(() => harness.close());

  const cases = ROUTES.flatMap((route, index) => WHO.map((who) => [who, route.method, index, route] as const));

  test.each(cases)('%s: %s route #%i', async (who, method, _index, route) => {
    const browser = browsers.get(who) as TestBrowser;
    const path = route.path(fixtures.get(who) as Fixtures);
    // A fresh page first, so the form carries a current CSRF token.
    if (method === 'POST') await browser.get('/compte');
    const response = method === 'GET' ? await browser.get(path) : await browser.post(path, route.form ?? {});
    expect({ path, status: response.status }).toEqual({ path, status: route.expect(who) });
    if (response.status === 403) expect(response.text).toContain('Accès refusé');
  });

  test('an owner edits their record even outside their units', async () => {
    const owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const owned = await buildOrganization(harness.db, { name: 'Suivie par sa responsable', unitCodes: ['UO-PRO'], ownerId: owner.id });
    const browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
    expect((await browser.get(`/structures/${owned.id}/modifier`)).status).toBe(200);
  });

  test('restricted fields are hidden from readers outside the record’s units', async () => {
    const admin = new TestBrowser(harness.app);
    const adminUser = await buildUser(harness.db, { roles: ['admin'] });
    await admin.login(adminUser.email);
    await admin.get('/admin/champs-reserves');
    expect((await admin.post('/admin/champs-reserves', { organization: ['phone'] })).status).toBe(303);
    const org = await buildOrganization(harness.db, { name: 'Numéro réservé', unitCodes: ['UO-PRO'], phone: '+33123456789' });
    const reader = new TestBrowser(harness.app);
    const readerUser = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    await reader.login(readerUser.email);
    const page = await reader.get(`/structures/${org.id}`);
    expect(page.text).toContain('Information réservée');
    expect(page.text).not.toContain('+33123456789');
    const insider = new TestBrowser(harness.app);
    const insiderUser = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['UO-PRO'] });
    await insider.login(insiderUser.email);
    expect((await insider.get(`/structures/${org.id}`)).text).toContain('+33123456789');
  });
});
