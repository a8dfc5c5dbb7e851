// /notifications and the header bell: one's own notifications only, unread ones first shown,
// by pages, newest or oldest first; marking one read (plain form and htmx, the bell refreshed out
// of band) or all; a notification's link marks it read and leads to its page (a path of this site
// only); « Mes validations » links to them.
import { and, eq, isNull } from 'drizzle-orm';
import { notifications, type User } from '../../src/models/schema';
import { insertNotifications } from '../../src/models/workflows.model';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('notifications', () => {
  let harness: TestApp;
  let alice: User;
  let bob: User;
  let aliceBrowser: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    alice = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Alice Chargée' });
    bob = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Bob Manager' });
    aliceBrowser = new TestBrowser(harness.app);
    await aliceBrowser.login(alice.email);
  });
  afterAll(() => harness.close());

  /** `count` notifications for a person, one minute apart (the first is the oldest). */
  async function notify(user: User, count: number, base: { kind?: string; title?: string; link?: string | null; readAt?: Date | null } = {}): Promise<void> {
    const start = Date.now() - count * 60_000;
    await insertNotifications(
      harness.db,
      Array.from({ length: count }, (_, index) => ({
        userId: user.id,
        kind: base.kind ?? 'reminder.task.due_today',
        title: `${base.title ?? 'Tâche à faire'} n°${index + 1}`,
        link: base.link === undefined ? '/taches' : base.link,
        readAt: base.readAt ?? null,
        createdAt: new Date(start + index * 60_000),
      })),
    );
  }
  const unreadOf = async (user: User) => (await harness.db.select().from(notifications).where(and(eq(notifications.userId, user.id), isNull(notifications.readAt)))).length;
  /** Handlebars escapes `=` and `&` in attributes. */
  const unescaped = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  const idsIn = (html: string) => [...html.matchAll(/<li id="notification-([0-9a-f-]{36})"/g)].map((match) => match[1]);

  test('the bell counts my unread notifications; the list shows them by pages, newest first, and « toutes » shows those read too', async () => {
    await notify(alice, 28);
    await notify(alice, 2, { title: 'Déjà lue', readAt: new Date() });
    await notify(bob, 3, { title: 'Pour Bob' });

    // The header carries the bell as a plain link; htmx asks for the count.
    const home = await aliceBrowser.get('/');
    expect(home.text).toMatch(/<a class="fr-btn fr-icon-notification-3-line" href="\/notifications"[^>]*>Notifications/);
    expect(home.text).toContain('hx-get="/notifications/compteur"');
    const badge = await aliceBrowser.get('/notifications/compteur');
    expect(badge.status).toBe(200);
    expect(badge.text).toContain('>28<');
    expect(badge.text).toContain('28 notification(s) non lue(s)');

    const first = await aliceBrowser.get('/notifications');
    expect(first.status).toBe(200);
    expect(first.text).toContain('28 notification(s) non lue(s)');
    expect(idsIn(first.text)).toHaveLength(25);
    expect(first.text.indexOf('Tâche à faire n°28')).toBeLessThan(first.text.indexOf('Tâche à faire n°27'));
    expect(first.text).not.toContain('Pour Bob');
    expect(first.text).not.toContain('Déjà lue');
    expect(first.text).toContain('Relance');
    expect(unescaped(first.text)).toContain('href="/notifications?page=2"');
    const second = await aliceBrowser.get('/notifications?page=2');
    expect(idsIn(second.text)).toHaveLength(3);
    expect(second.text).toContain('Tâche à faire n°1<');

    const all = await aliceBrowser.get('/notifications?statut=toutes&tri=anciennes');
    expect(all.text).toContain('30 notification(s), dont 28 non lue(s)');
    expect(all.text.indexOf('Tâche à faire n°1<')).toBeLessThan(all.text.indexOf('Tâche à faire n°2<'));
    expect(unescaped(all.text)).toContain('href="/notifications?statut=toutes&tri=anciennes&page=2"');
    const allSecond = await aliceBrowser.get('/notifications?statut=toutes&tri=anciennes&page=2');
    expect(allSecond.text).toContain('Déjà lue n°2');

    // An htmx filter asks for the list alone.
    const fragment = await aliceBrowser.get('/notifications?statut=toutes', { 'HX-Request': 'true', 'HX-Target': 'notifications-list' });
    expect(fragment.text.trim().startsWith('<div id="notifications-list">')).toBe(true);
    expect(fragment.text).not.toContain('<html');
  });

  test('mark one read: a plain form comes back to the page it was sent from; htmx swaps the row and the bell', async () => {
    const page = await aliceBrowser.get('/notifications?statut=toutes&page=2');
    const [id] = idsIn((await aliceBrowser.get('/notifications')).text);
    const before = await unreadOf(alice);
    const plain = await aliceBrowser.post(`/notifications/${id}/lue`, { back: '/notifications?statut=toutes&page=2' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/notifications?statut=toutes&page=2');
    expect(page.status).toBe(200);
    expect(await unreadOf(alice)).toBe(before - 1);
    // A foreign « back » is ignored.
    const [other] = idsIn((await aliceBrowser.get('/notifications')).text);
    const foreign = await aliceBrowser.post(`/notifications/${other}/lue`, { back: 'https://ailleurs.example/' });
    expect(foreign.headers.location).toBe('/notifications');

    const [third] = idsIn((await aliceBrowser.get('/notifications')).text);
    const swapped = await aliceBrowser.post(`/notifications/${third}/lue`, { back: '/notifications' }, { headers: { 'HX-Request': 'true' } });
    expect(swapped.status).toBe(200);
    expect(swapped.text).toContain(`<li id="notification-${third}"`);
    expect(swapped.text).not.toContain(`action="/notifications/${third}/lue"`);
    expect(swapped.text).toContain('hx-swap-oob="outerHTML:.passerelle-notifications-badge"');
    expect(swapped.text).toContain(`>${before - 3}<`);
    expect(swapped.text).toContain(`<p class="fr-text--sm" id="notifications-count" role="status" hx-swap-oob="true">${before - 3} notification(s) non lue(s)</p>`);
    const [row] = await harness.db.select().from(notifications).where(eq(notifications.id, third as string));
    expect(row?.readAt).not.toBeNull();
  });

  test('someone else’s notification is not found, and stays unread', async () => {
    const [bobs] = await harness.db.select().from(notifications).where(eq(notifications.userId, bob.id));
    const marked = await aliceBrowser.post(`/notifications/${bobs?.id}/lue`);
    expect(marked.status).toBe(404);
    const opened = await aliceBrowser.get(`/notifications/${bobs?.id}/ouvrir`);
    expect(opened.status).toBe(404);
    expect(await unreadOf(bob)).toBe(3);
  });

  test('opening a notification marks it read and leads to its page; a link that is not a path of this site leads back to the list', async () => {
    const carol = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(carol.email);
    await notify(carol, 1, { kind: 'workflow.assignment', title: 'Validation demandée', link: '/validations/etapes/00000000-0000-4000-8000-000000000000' });
    await notify(carol, 1, { kind: 'workflow.notice', title: 'Ailleurs', link: '//ailleurs.example/piege' });
    const page = await browser.get('/notifications');
    expect(page.text).toContain('Validation');
    const idOf = async (title: string) => (await harness.db.select().from(notifications).where(and(eq(notifications.userId, carol.id), eq(notifications.title, title))))[0]?.id;
    const away = await idOf('Ailleurs n°1');
    const toStep = await idOf('Validation demandée n°1');
    expect(idsIn(page.text).sort()).toEqual([away, toStep].sort());
    // The foreign link is not even shown as a link.
    expect(page.text).not.toContain('ailleurs.example');
    expect(page.text).not.toContain(`/notifications/${away}/ouvrir`);
    const opened = await browser.get(`/notifications/${toStep}/ouvrir`);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/validations/etapes/00000000-0000-4000-8000-000000000000');
    const [row] = await harness.db.select().from(notifications).where(eq(notifications.id, toStep as string));
    expect(row?.readAt).not.toBeNull();
    const elsewhere = await browser.get(`/notifications/${away}/ouvrir`);
    expect(elsewhere.headers.location).toBe('/notifications');

    // « Mes validations » no longer lists the notices: it links to them.
    const validations = await browser.get('/validations');
    expect(validations.text).toMatch(/<div id="validations-notices"[\s\S]*?href="\/notifications">Notifications/);
  });

  test('mark all read: every unread one of mine, none of anyone else’s; then the bell is empty', async () => {
    const unread = await unreadOf(alice);
    expect(unread).toBeGreaterThan(0);
    const validations = await aliceBrowser.get('/validations');
    expect(validations.text).toContain(`Notifications : ${unread} non lue(s)`);
    const done = await aliceBrowser.post('/notifications/tout-lire', { back: '/notifications' });
    expect(done.status).toBe(303);
    const after = await aliceBrowser.get('/notifications');
    expect(after.text).toContain(`${unread} notification(s) marquée(s) comme lue(s).`);
    expect(after.text).toContain('Aucune notification non lue.');
    expect(after.text).not.toContain('action="/notifications/tout-lire"');
    expect(await unreadOf(alice)).toBe(0);
    expect(await unreadOf(bob)).toBe(3);
    const badge = await aliceBrowser.get('/notifications/compteur');
    expect(badge.text).not.toContain('fr-badge');
    const again = await aliceBrowser.post('/notifications/tout-lire');
    expect(again.status).toBe(303);
    expect((await aliceBrowser.get('/notifications')).text).toContain('Aucune notification non lue.');
  });
});
