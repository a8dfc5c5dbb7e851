// Hostile input, everywhere at once: every route the app registers (read from Express's router
// stack, so a new route is covered without touching this file) receives malformed ids, query
// strings and form bodies, signed in as an admin with a valid CSRF token. Nothing may answer
// 5xx, and a refused request (4xx) may not write anything in the main tables.
// FUZZ_LOG=/tmp/fuzz.log lists the failures as they happen (handy when the run is long).
//
// Every kind of hostile input reaches every route, but not every value of each kind: each route
// gets a few values of each list, taken in turn (route after route), so that every value is
// tried on a share of the routes and the run stays near a minute in CI. FUZZ_FULL=1 sends every
// value to every route (about twice as many requests), to hunt after a change of validation rules.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import { listUnits } from '../../src/models/units.model';
import { insertKind } from '../../src/models/organization-kinds.model';
import { createConvention } from '../../src/services/conventions.service';
import { affiliations } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

interface AppRoute {
  method: 'get' | 'post';
  /** Express pattern, e.g. /structures/:id/modifier. */
  pattern: string;
}

/** Every GET and POST route of the app, with its full path, from the router stack. */
function listRoutes(app: Express): AppRoute[] {
  const routes: AppRoute[] = [];
  type Layer = { rawPath?: unknown; route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of ['get', 'post'] as const) {
            if (layer.route.methods[method]) routes.push({ method, pattern: `${prefix}${path === '/' && prefix ? '' : path}` });
          }
        }
      } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
        walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  const seen = new Set<string>();
  return routes.filter((route) => {
    const key = `${route.method} ${route.pattern}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const PARAM = /:([A-Za-z]+)/g;

const FULL = process.env.FUZZ_FULL === '1';

/** `count` items of `list` from position `turn × count` (wrapping): successive turns walk through the whole list. */
function inTurn<T>(list: readonly T[], count: number, turn: number): T[] {
  if (FULL || count >= list.length) return [...list];
  return Array.from({ length: count }, (_unused, index) => list[(turn * count + index) % list.length] as T);
}

/** Ids that are not ids (already percent-encoded where needed, as they travel in the path). */
const WEIRD_IDS = [
  'abc',
  'abc%00def',
  `${randomUUID()}%01`,
  encodeURIComponent("1' or '1'='1"),
  '%C3%28%ED%A0%80',
  'x'.repeat(3000),
];

/** Values for every form field. */
const BODY_CORPUS = [
  'a\u0000b',
  'x\u0001\u0007\u001b[31m\u007f',
  "'; drop table organizations; --<script>alert(1)</script><img src=x onerror=alert(1)>",
  '   ',
  '-1e999',
  '2026-02-30',
  '99999999999999999999999999',
  '😀'.repeat(30),
];

/** Values for every query parameter. */
const QUERY_CORPUS = ['a\u0000b\u001b', "'; drop table organizations; --<script>", '-1e999😀%00'];

/** Raw urlencoded bodies that do not decode cleanly or give lists and objects for scalars. */
function shapeBodies(fields: string[]): string[] {
  const encoded = fields.map(encodeURIComponent);
  return [
    encoded.map((field) => `${field}[]=1&${field}[]=2`).join('&'),
    encoded.map((field) => `${field}[b]=1`).join('&'),
    encoded.map((field) => `${field}[__proto__][x]=1&${field}[constructor][prototype][y]=1`).join('&'),
    encoded.map((field) => `${field}=%C3%28%FF%ZZ%`).join('&'),
  ];
}

function formBody(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** Field names of each form, by the path it posts to, read from the pages themselves. */
function formsIn(html: string): Map<string, string[]> {
  const forms = new Map<string, string[]>();
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /\baction="([^"]*)"/.exec(match[1] ?? '')?.[1];
    if (!action) continue;
    const names = [...(match[2] ?? '').matchAll(/\bname="([^"]+)"/g)].map((name) => (name[1] ?? '').replace(/&#x5B;|\[\]$/g, '')).filter((name) => name && name !== '_csrf');
    const path = action.replace(/&amp;/g, '&').split('?')[0] ?? action;
    forms.set(path, [...new Set([...(forms.get(path) ?? []), ...names])]);
  }
  return forms;
}

// Actions that end or remove what later requests use go last.
const DESTRUCTIVE = /\/(supprimer|effacer|archiver|desactiver|resilier|annuler|fin|lancer)$/;
// Signing out would drop the admin's session for the rest of the run.
const SKIPPED = new Set(['post /logout']);

describe('fuzzing every form and every id route', () => {
  let harness: TestApp;
  let browser: TestBrowser;
  let realValues: (pattern: string, name: string) => string;

  beforeAll(async () => {
    harness = await startTestApp();
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const other = await buildUser(harness.db, { roles: ['charge'] });
    const [unit] = await listUnits(harness.db);
    const organization = await buildOrganization(harness.db, { kindCode: 'universite', unitCodes: unit ? [unit.code] : [] });
    const kept = await buildOrganization(harness.db);
    const merged = await buildOrganization(harness.db);
    const contact = await buildContact(harness.db, { organizationId: organization.id, role: 'Directrice' });
    const [affiliation] = await harness.db.select().from(affiliations).where(sql`${affiliations.contactId} = ${contact.id}`);
    await insertKind(harness.db, { code: 'fuzz_kind', label: 'Type du fuzz', position: 999 });
    const convention = await createConvention(await harness.context(admin), { title: 'Convention du fuzz', kind: 'partenariat', addPartyIds: [organization.id] });
    const ids: Record<string, string> = {
      '/structures': organization.id,
      '/contacts': contact.id,
      '/conventions': convention.id,
      '/admin/unites': unit?.id ?? randomUUID(),
      '/admin/utilisateurs': other.id,
    };
    realValues = (pattern, name) => {
      const prefix = Object.keys(ids).find((candidate) => pattern.startsWith(`${candidate}/`));
      switch (name) {
        case 'id':
          return prefix ? (ids[prefix] as string) : randomUUID();
        case 'code':
          return pattern.startsWith('/referentiel') ? '75056' : 'fuzz_kind';
        case 'affiliationId':
          return affiliation?.id ?? randomUUID();
        case 'segment':
          return 'structures';
        case 'keptId':
          return kept.id;
        case 'mergedId':
          return merged.id;
        case 'version':
          return '1';
        case 'token':
          return 'jeton-inconnu';
        default:
          return randomUUID();
      }
    };
    browser = new TestBrowser(harness.app);
    await browser.login(admin.email);
    await browser.get('/');
  });
  afterAll(() => harness.close());

  /** One text fingerprint of the main tables: any insert, update or delete changes it. */
  async function fingerprint(): Promise<string> {
    const tables = [
      'organizations',
      'organization_units',
      'organization_kinds',
      'contacts',
      'contact_units',
      'affiliations',
      'conventions',
      'convention_parties',
      'convention_payments',
      'convention_documents',
      'units',
      'users',
      'user_units',
      'import_batches',
      'workflow_runs',
      'workflow_steps',
      'workflow_delegations',
      'record_merges',
      'duplicate_dismissals',
      'restricted_fields',
      'convention_kind_circuits',
      'auth_tokens',
    ];
    const query = tables.map((table) => `(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ${table} t)`).join(" || ',' || ");
    const result = await harness.db.execute(sql.raw(`select ${query} as print`));
    const rows = (result as unknown as { rows?: { print: string }[] }).rows ?? (result as unknown as { print: string }[]);
    return rows[0]?.print ?? '';
  }

  test('the cases of the report: NUL bytes, non-UUID ids, lists for scalars, a kind renamed to a taken label', async () => {
    const nul = await browser.post('/structures/nouveau', { name: 'Lycée\u0000 Hôtelier', kindCode: 'universite', status: 'prospect' });
    expect(nul.status).toBe(422);
    expect(nul.text).toContain('Ce champ contient un caractère invisible non autorisé');
    const search = await browser.get('/recherche?q=lyc%00ee');
    expect(search.status).toBe(200);

    for (const path of ['/admin/utilisateurs/abc/desactiver', '/admin/unites/1/archiver', '/admin/types-de-structures/%00', '/structures/abc%00/modifier']) {
      expect([path, (await browser.post(path)).status]).toEqual([path, 404]);
    }
    expect((await browser.get('/conventions/1')).status).toBe(404);

    for (const body of ['name=Structure&phone[]=1&phone[]=2', 'name=Structure&phone[b]=1', 'name[]=a&name[]=b']) {
      const response = await browser.agent.post('/structures/nouveau').type('form').set('X-CSRF-Token', browser.csrfToken).send(body);
      expect([body, response.status]).toEqual([body, 422]);
    }
    const listed = await browser.agent.post('/structures/nouveau').type('form').set('X-CSRF-Token', browser.csrfToken).send('name[]=a&name[]=b&kindCode=universite');
    expect(listed.text).toContain('Une seule valeur est attendue pour ce champ.');

    await insertKind(harness.db, { code: 'fuzz_autre', label: 'Autre type du fuzz', position: 998 });
    for (const label of ['Autre type du fuzz', 'autre TYPE du fuzz']) {
      const renamed = await browser.post('/admin/types-de-structures/fuzz_kind', { label });
      expect(renamed.status).toBe(422);
      expect(renamed.text).toContain(`Le libellé « ${label} » est déjà utilisé par le type de code « fuzz_autre »`);
    }
    expect((await browser.post('/admin/types-de-structures/fuzz_kind', { label: 'Type du fuzz renommé' })).status).toBe(303);
  });

  test('no malformed id, query or form answers 5xx, and nothing refused is written', async () => {
    const started = Date.now();
    const routes = listRoutes(harness.app).filter((route) => !SKIPPED.has(`${route.method} ${route.pattern}`));
    expect(routes.length).toBeGreaterThan(50);
    const failures: string[] = [];
    const writes: string[] = [];
    let requests = 0;
    const statuses = new Map<number, number>();

    const fill = (pattern: string, override?: { name: string; value: string }) =>
      pattern.replace(PARAM, (_all, name: string) => (override && override.name === name ? override.value : encodeURIComponent(realValues(pattern, name))));

    const send = async (method: 'get' | 'post', url: string, body?: string) => {
      requests += 1;
      const request = method === 'get' ? browser.agent.get(url) : browser.agent.post(url).type('form').set('X-CSRF-Token', browser.csrfToken).send(body ?? '');
      const response = await request;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) {
        failures.push(`${response.status} ${method.toUpperCase()} ${url.slice(0, 160)} ${body ? body.slice(0, 160) : ''}`);
        if (process.env.FUZZ_LOG) fs.appendFileSync(process.env.FUZZ_LOG, `${failures.at(-1)}\n`);
      }
      return { status: response.status, text: response.text ?? '' };
    };
    /** Runs the calls a few at a time (the app serves requests concurrently anyway). */
    const inParallel = async <T>(items: T[], run: (item: T) => Promise<unknown>, width = 4) => {
      const queue = [...items];
      await Promise.all(Array.from({ length: width }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
      }));
    };

    // 1. Every GET page with real ids, to learn the forms (and that they answer).
    const forms = new Map<string, string[]>();
    await inParallel(routes.filter((candidate) => candidate.method === 'get'), async (route) => {
      const response = await send('get', fill(route.pattern));
      for (const [action, names] of formsIn(response.text)) forms.set(action, [...new Set([...(forms.get(action) ?? []), ...names])]);
    });
    const everyField = [...new Set([...forms.values()].flat())];

    // 2. Weird ids in every parameter of every route: refused, so nothing may change.
    const printBefore = await fingerprint();
    // Two of the weird ids per parameter, in turn: the six are each tried on a third of the parameters.
    let parameterTurn = 0;
    const weird = routes.flatMap((route) =>
      [...route.pattern.matchAll(PARAM)].flatMap((match) =>
        inTurn(WEIRD_IDS, 2, parameterTurn++).map((value) => ({ route, name: match[1] as string, url: fill(route.pattern, { name: match[1] as string, value }) })),
      ),
    );
    await inParallel(weird, async ({ route, name, url }) => {
      const { status } = await send(route.method, url, route.method === 'post' ? '' : undefined);
      // Ids must be refused; codes and tokens may be free text a page accepts.
      if (status < 400 && (name === 'id' || name.endsWith('Id'))) failures.push(`${status} (not refused) ${route.method.toUpperCase()} ${url.slice(0, 160)}`);
    });
    if ((await fingerprint()) !== printBefore) writes.push('a request with a malformed id wrote to the database');

    // 3. Hostile query strings on every GET route: lists and objects for every parameter, and one
    // of the hostile texts in turn.
    const queries = routes
      .filter((candidate) => candidate.method === 'get')
      .flatMap((route, turn) => {
        const url = fill(route.pattern);
        const names = ['q', 'page', 'sort', 'type', 'status', 'kind', 'unit', 'next', 'cursor', 'from', 'to'];
        return [
          ...inTurn(QUERY_CORPUS, 1, turn).map((value) => `${url}?${names.map((name) => `${name}=${encodeURIComponent(value)}`).join('&')}`),
          `${url}?${names.map((name) => `${name}[]=1&${name}[]=2&${name}[a]=1`).join('&')}&x=%C3%28%FF%ZZ&__proto__[]=1&__proto__=x`,
        ];
      });
    await inParallel(queries, (url) => send('get', url));

    // 4. Hostile bodies on every POST route, its own form's fields first: three of the hostile values
    // and two of the malformed shapes in turn, and the 100,000-character field. The database is compared
    // around each route's batch; when some of them were accepted, the refused ones are replayed one
    // by one to tell who wrote.
    const posts = routes.filter((candidate) => candidate.method === 'post').sort((a, b) => Number(DESTRUCTIVE.test(a.pattern)) - Number(DESTRUCTIVE.test(b.pattern)));
    for (const [turn, route] of posts.entries()) {
      const url = fill(route.pattern);
      const fields = forms.get(url) ?? everyField;
      const bodies = [
        ...inTurn(BODY_CORPUS, 3, turn).map((value) => formBody(Object.fromEntries(fields.map((field) => [field, value])))),
        ...inTurn(shapeBodies(fields), 2, turn),
        ...fields.slice(0, 1).map((field) => formBody(Object.fromEntries(fields.map((name) => [name, name === field ? 'x'.repeat(100_000) : 'x'])))),
      ];
      const before = await fingerprint();
      const outcomes: { body: string; status: number }[] = [];
      await inParallel(bodies, async (body) => outcomes.push({ body, status: (await send('post', url, body)).status }));
      if ((await fingerprint()) === before) continue;
      const refused = outcomes.filter((outcome) => outcome.status >= 400);
      if (refused.length === outcomes.length) {
        writes.push(`POST ${url}: refused requests changed the database`);
        continue;
      }
      for (const { body } of refused) {
        const one = await fingerprint();
        const { status } = await send('post', url, body);
        if (status >= 400 && (await fingerprint()) !== one) writes.push(`${status} POST ${url} ${body.slice(0, 160)}`);
      }
    }

    // Still the signed-in admin at the end (a lost session would have turned the run into redirects).
    expect((await browser.get('/compte')).status).toBe(200);
    const seconds = (Date.now() - started) / 1000;
    if (process.env.FUZZ_LOG) fs.appendFileSync(process.env.FUZZ_LOG, `${requests} requests in ${seconds} s ${JSON.stringify([...statuses])}\n${writes.join('\n')}\n`);
    expect({ failures: failures.slice(0, 40), count: failures.length }).toEqual({ failures: [], count: 0 });
    expect(writes).toEqual([]);
    expect(requests).toBeGreaterThan(FULL ? 1000 : 800);
    // The forms were really parsed (422) and the ids really refused (404), not bounced by CSRF or a login redirect.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(FULL ? 250 : 120);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(FULL ? 300 : 150);
  }, 600_000);
});
