// Role × route → expected status. Later features add their routes to ROUTES.
// A path may name records the suite creates (see FIXTURES): `{case}` is a case of the visitors'
// unit (DDPSI), `{otherCase}` one of another unit, `{challenge}` / `{otherChallenge}` likewise.
import { eq } from 'drizzle-orm';
import { insertCase } from '../../src/models/sourcing-cases.model';
import { insertChallenge, replaceChallengeUnits } from '../../src/models/sourcing-challenges.model';
import { type Role, sourcingCases, sourcingGates, sourcingPilots, units } from '../../src/models/schema';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

type Who = Role | 'anonymous';
const WHO: Who[] = ['anonymous', 'admin', 'manager', 'charge', 'juriste', 'finance', 'lecteur'];

interface RouteCase {
  method: 'GET' | 'POST';
  path: string;
  form?: Record<string, string>;
  /** Sent as an htmx request (`HX-Request: true`): the answer is a fragment, a refusal goes to #flash. */
  htmx?: boolean;
  /** Expected status for each kind of visitor (303 = redirect to the login page). */
  expect: (who: Who) => number;
}

const adminOnly = (allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : who === 'admin' ? allowed : 403);
const anyoneSignedIn = (allowed: number) => (who: Who) => (who === 'anonymous' ? 303 : allowed);
/** Chargé, manager and admin (of the record's unit: every visitor here belongs to DDPSI); the others are refused. */
const editors = (allowed: number, refused = 403) => (who: Who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? allowed : refused);
/** An htmx request of someone signed out is 401 (htmx then goes to the login page), not a 303 it would follow in place. */
const signedOutHtmx = (expect: (who: Who) => number) => (who: Who) => (who === 'anonymous' ? 401 : expect(who));

const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/compte', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/admin/utilisateurs', expect: adminOnly(200) },
  { method: 'GET', path: '/admin/utilisateurs/nouveau', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/utilisateurs/nouveau', form: { email: '', displayName: '' }, expect: adminOnly(422) },
  { method: 'GET', path: '/admin/unites', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/unites', form: { code: '', name: '', kind: '' }, expect: adminOnly(422) },
  { method: 'GET', path: '/admin/journal', expect: adminOnly(200) },
  { method: 'GET', path: '/admin/courriels', expect: adminOnly(200) },
  { method: 'GET', path: '/login', expect: (who) => (who === 'anonymous' ? 200 : 303) },
  { method: 'GET', path: '/healthz', expect: () => 200 },
  { method: 'GET', path: '/admin/types-de-structures', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/types-de-structures', form: { label: '', code: '' }, expect: adminOnly(422) },
  { method: 'GET', path: '/admin/types-de-structures/universite', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/types-de-structures/universite', form: { label: '' }, expect: adminOnly(422) },
  // An unknown code: the permission is checked first, then the kind is looked up (nothing changes).
  { method: 'POST', path: '/admin/types-de-structures/inconnu/desactiver', expect: adminOnly(404) },
  { method: 'POST', path: '/admin/types-de-structures/inconnu/reactiver', expect: adminOnly(404) },
  { method: 'POST', path: '/admin/types-de-structures/inconnu/supprimer', expect: adminOnly(404) },
  // Conventions: everyone reads; admin/manager/chargé create (an empty form is refused with 422).
  { method: 'GET', path: '/conventions', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/conventions/export.csv', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/conventions/nouvelle', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/conventions/nouvelle', form: { title: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 422 : 403) },
  { method: 'GET', path: '/conventions/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/conventions/choix-parent?kind=avenant&q=conv', expect: anyoneSignedIn(200) },
  // Approval circuits: everyone has an inbox; deciding and delegating need a deciding role.
  { method: 'GET', path: '/validations', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/validations/compteur', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/validations/delegations', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'juriste', 'finance'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/validations/delegations', form: { toUserId: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'juriste', 'finance'].includes(who) ? 422 : 403) },
  { method: 'POST', path: '/validations/etapes/00000000-0000-4000-8000-000000000000/decision', form: { decision: 'approve' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'juriste', 'finance'].includes(who) ? 404 : 403) },
  { method: 'GET', path: '/validations/etapes/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/validations/circuits', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/admin/circuits', expect: adminOnly(200) },
  { method: 'GET', path: '/admin/circuits/00000000-0000-4000-8000-000000000000', expect: adminOnly(404) },
  { method: 'POST', path: '/admin/circuits/00000000-0000-4000-8000-000000000000/annuler', form: { reason: 'x' }, expect: adminOnly(404) },
  { method: 'POST', path: '/admin/circuits/etapes/00000000-0000-4000-8000-000000000000/reattribuer', form: { userId: '00000000-0000-4000-8000-000000000000' }, expect: adminOnly(404) },
  { method: 'GET', path: '/admin/files', expect: adminOnly(200) },
  // Bulk exports of the directory (personal data): chargé, manager and admin; the lecteur, the
  // juriste and finance read on screen only. The GDPR access export: admins (and the DPO
  // capability, see directory-permissions.test.ts); an unknown id is looked up after the check.
  { method: 'GET', path: '/structures/export.csv', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/structures/export.xlsx', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/contacts/export.csv', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/contacts/export.xlsx', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/contacts/export.vcf', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/contacts/00000000-0000-4000-8000-000000000000/vcard', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'GET', path: '/contacts/00000000-0000-4000-8000-000000000000/donnees-personnelles', expect: adminOnly(404) },
  { method: 'GET', path: '/contacts/00000000-0000-4000-8000-000000000000/donnees-personnelles?format=json', expect: adminOnly(404) },
  // The circuit of each convention kind: an unknown circuit is refused with 422 (nothing saved).
  { method: 'GET', path: '/admin/circuits-des-conventions', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/circuits-des-conventions', form: { avenant: 'inconnu' }, expect: adminOnly(422) },
  // Issue 12 — exchanges (/echanges…): rows added below this line.
  // The list: everyone signed in (confidential ones filtered out); its exports (names of partners
  // and contacts) are for chargé, manager and admin; the retention review for managers and admins.
  { method: 'GET', path: '/echanges', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/echanges?q=reunion&kind=appel&author=me&participant=me&page=2', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/echanges/export.csv', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/export.xlsx', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/a-revoir', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/recherche?q=reunion&type=exchanges', expect: anyoneSignedIn(200) },
  // The start-up meeting creates organisations and contacts too: chargé, manager and admin (an empty form: 422).
  { method: 'GET', path: '/echanges/rencontre-startup', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/echanges/rencontre-startup', form: { summary: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 422 : 403) },
  { method: 'GET', path: '/echanges/rencontre-startup/structures?organizationQuery=un', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/rencontre-startup/contacts?contactQuery=ma', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  // One exchange: chargé, manager and admin log them (an empty form: 422); an unknown exchange is « not found » for everyone signed in.
  { method: 'GET', path: '/echanges/saisir', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/nouveau', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/echanges/nouveau', form: { summary: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 422 : 403) },
  { method: 'GET', path: '/echanges/choix-structures?organizationQuery=un', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/choix-contacts?organizationIds=00000000-0000-4000-8000-000000000000', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/echanges/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/echanges/pas-un-identifiant', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/echanges/00000000-0000-4000-8000-000000000000/modifier', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/echanges/00000000-0000-4000-8000-000000000000/modifier', form: { summary: '' }, expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/echanges/00000000-0000-4000-8000-000000000000/supprimer', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/echanges/00000000-0000-4000-8000-000000000000/supprimer', form: { reason: 'x' }, expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/echanges/00000000-0000-4000-8000-000000000000/pieces-jointes', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/echanges/00000000-0000-4000-8000-000000000000/pieces-jointes/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/echanges/00000000-0000-4000-8000-000000000000/pieces-jointes/00000000-0000-4000-8000-000000000000/supprimer', expect: anyoneSignedIn(404) },
  // Issue 12 — tasks (/taches…): rows added below this line.
  // Everyone has « Mes tâches » and the badge; admin/manager/chargé create, complete, postpone,
  // reassign (an unknown task: 404 after the permission check; an empty form: 422).
  { method: 'GET', path: '/taches', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/taches?vue=unites&statut=faite&echeance=en_retard&priority=haute&q=x&page=2', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/taches/compteur', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/taches/nouvelle?structure=00000000-0000-4000-8000-000000000000', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/taches/nouvelle', form: { title: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 422 : 403) },
  { method: 'GET', path: '/taches/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/taches/pas-un-identifiant', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/taches/00000000-0000-4000-8000-000000000000/modifier', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/modifier', form: { title: 'x', dueOn: '2026-01-01' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  // The assignee completes, reopens and postpones their own task whatever their role: an unknown task is 404 for everyone.
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/faite', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/rouvrir', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/annuler', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/reporter', form: { delai: 'jour' }, expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/taches/00000000-0000-4000-8000-000000000000/reattribuer', form: { assigneeId: '00000000-0000-4000-8000-000000000000' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  // Issue 12 — dashboard and settings (/, /admin/parametres): rows added below this line.
  { method: 'GET', path: '/?unit=00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/admin/parametres', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/parametres', form: { dormantMonths: '0', retentionYears: '99' }, expect: adminOnly(422) },
  // Issue 12 — record timelines: everyone reads (an unknown record: 404).
  { method: 'GET', path: '/structures/00000000-0000-4000-8000-000000000000/historique', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/contacts/00000000-0000-4000-8000-000000000000/historique?types=echange', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/conventions/00000000-0000-4000-8000-000000000000/historique', expect: anyoneSignedIn(404) },
  // Issue 13 — events and invitations (/evenements…): rows added below this line.
  // Events: everyone reads the list (filters ignored when unknown); chargé, manager and admin create (an empty form: 422);
  // an unknown event is « not found » for everyone signed in, except its attendance export (refused first to lecteur, juriste, finance).
  { method: 'GET', path: '/evenements', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/evenements?periode=passes&kind=salon&owner=me&q=x&sort=title&dir=desc&page=2', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/evenements/nouveau', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'POST', path: '/evenements/nouveau', form: { title: '' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 422 : 403) },
  { method: 'GET', path: '/evenements/choix-structures?organizationQuery=un', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 200 : 403) },
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/evenements/pas-un-identifiant', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000/modifier', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/modifier', form: { title: '' }, expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000/annuler', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/annuler', form: { reason: 'x' }, expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/presences', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000/presences.csv', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000/presences.xlsx', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  // Invitations: everyone reads an event's invitees; editors invite, send and remove (an unknown event is looked up after the check).
  { method: 'GET', path: '/evenements/00000000-0000-4000-8000-000000000000/invitations?q=ma', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/invitations', form: { contactIds: '00000000-0000-4000-8000-000000000000' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/invitations/envoyer', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  { method: 'POST', path: '/evenements/00000000-0000-4000-8000-000000000000/invitations/00000000-0000-4000-8000-000000000000/retirer', expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  // The RSVP link needs no account (nor CSRF token): a bad token is 400 for everyone, GET and POST.
  { method: 'GET', path: '/invitation/pas-un-jeton?reponse=accepte', expect: () => 400 },
  { method: 'POST', path: '/invitation/pas-un-jeton', form: { reponse: 'accepte' }, expect: () => 400 },
  // Issue 13 — reciprocity (/admin/reciprocite, organisations' filter): rows added below this line.
  // The figures: admins only (an out-of-range figure: 422, nothing saved); the list's filter and the dashboard's block: everyone signed in.
  { method: 'GET', path: '/admin/reciprocite', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/reciprocite', form: { minimum__organization_kind__cfa: '60', target__organization_kind__cfa: '2' }, expect: adminOnly(422) },
  { method: 'GET', path: '/structures?reciprocite=en_retard_ou_jamais', expect: anyoneSignedIn(200) },
  // Issue 13 — reminders and notifications (/admin/relances, /notifications, /compte): rows added below this line.
  // Rules and their preview: admins (an empty time is refused, an unknown rule is 404 after the permission check).
  { method: 'GET', path: '/admin/relances', expect: adminOnly(200) },
  { method: 'GET', path: '/admin/relances?regle=task.due_today&destinataire=x&page=2', expect: adminOnly(200) },
  { method: 'POST', path: '/admin/relances/convention.end', form: { enabled: '1', offsetsDays: '30', sendTime: '' }, expect: adminOnly(422) },
  { method: 'POST', path: '/admin/relances/inconnue', form: { sendTime: '08:00' }, expect: adminOnly(404) },
  // One's own notifications and reminder choices: everyone signed in (someone else's or an unknown notification: 404).
  { method: 'GET', path: '/notifications', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/notifications?statut=toutes&tri=anciennes&page=3', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/notifications/compteur', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/notifications/00000000-0000-4000-8000-000000000000/ouvrir', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/notifications/00000000-0000-4000-8000-000000000000/lue', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/notifications/tout-lire', expect: () => 303 },
  { method: 'POST', path: '/compte/relances', form: { 'mode[task.due_today]': 'pigeon' }, expect: anyoneSignedIn(422) },
  // Issue 13 — agenda and iCal (/agenda…): rows added below this line.
  // Everyone signed in has an agenda (a manager's units' view falls back to one's own for others),
  // the .ics of what they may read (an unknown one: 404) and their own feed; the feed itself answers
  // a signed token only, session or not (a forged one: 404 for everyone).
  { method: 'GET', path: '/agenda', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/agenda?vue=liste&mois=2026-05&portee=unites&type=tache&type=convention&ordre=desc', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/agenda/echanges/00000000-0000-4000-8000-000000000000.ics', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/agenda/evenements/00000000-0000-4000-8000-000000000000.ics', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/agenda/flux/regenerer', expect: anyoneSignedIn(303) },
  { method: 'POST', path: '/agenda/flux/revoquer', expect: anyoneSignedIn(303) },
  { method: 'GET', path: '/agenda/eyJwIjoiY2FsZW5kYXItZmVlZCJ9.c2lnbmF0dXJl.ics', expect: () => 404 },
  // Issue 13 — partner e-mail and unsubscribe (/desabonnement…): rows added below this line.
  // The unsubscribe link needs no account (nor CSRF token: mail clients POST it): a bad token is 400 for everyone.
  { method: 'GET', path: '/desabonnement/pas-un-jeton', expect: () => 400 },
  { method: 'POST', path: '/desabonnement/pas-un-jeton', form: { 'List-Unsubscribe': 'One-Click' }, expect: () => 400 },
  // Recording a contact's refusal from its page: directory editors (an unknown contact is looked up after the check).
  { method: 'POST', path: '/contacts/00000000-0000-4000-8000-000000000000/courriels-partenaires', form: { optOut: 'oui' }, expect: (who) => (who === 'anonymous' ? 303 : ['admin', 'manager', 'charge'].includes(who) ? 404 : 403) },
  // Issue 14 — the sourcing pipeline (/sourcing…): rows added below this line.
  // Challenges: everyone reads; chargé, manager and admin create (an empty form: 422) and edit those of
  // their units (another unit's: admins only); an unknown challenge is 404 for everyone signed in.
  { method: 'GET', path: '/sourcing/defis', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/defis?q=x&statut=ouvert&unite=00000000-0000-4000-8000-000000000000&responsable=moi&tri=title&ordre=asc&page=2', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/defis/nouveau', expect: editors(200) },
  { method: 'POST', path: '/sourcing/defis/nouveau', form: { title: '' }, expect: editors(422) },
  { method: 'GET', path: '/sourcing/defis/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/defis/{challenge}', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/defis/{challenge}/modifier', expect: editors(200) },
  { method: 'POST', path: '/sourcing/defis/{challenge}/modifier', form: { title: '' }, expect: editors(422) },
  { method: 'GET', path: '/sourcing/defis/{otherChallenge}/modifier', expect: adminOnly(200) },
  // Closing without an outcome: refused to non-editors first, then 422 for the editors (nothing changes).
  { method: 'POST', path: '/sourcing/defis/{challenge}/statut', form: { to: 'clos', expectedFrom: 'brouillon' }, expect: editors(422) },
  { method: 'POST', path: '/sourcing/defis/{otherChallenge}/statut', form: { to: 'clos', expectedFrom: 'brouillon' }, expect: adminOnly(422) },
  // The kanban and the cases: everyone reads (unknown filters are ignored); chargé, manager and admin add cases (an empty form: 422).
  { method: 'GET', path: '/sourcing', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing?defi=00000000-0000-4000-8000-000000000000&responsable=moi&unite=x&source=salon&etiquette=ia&q=x', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pistes', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pistes?etape=reperee&q=x&page=2', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pistes/nouvelle', expect: editors(200) },
  { method: 'GET', path: '/sourcing/pistes/nouvelle?defi={challenge}', expect: editors(200) },
  { method: 'POST', path: '/sourcing/pistes/nouvelle', form: { source: '' }, expect: editors(422) },
  { method: 'GET', path: '/sourcing/pistes/structures?organizationQuery=un', expect: editors(200) },
  { method: 'GET', path: '/sourcing/pistes/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/pistes/{case}', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pistes/{case}/modifier', expect: editors(200) },
  { method: 'GET', path: '/sourcing/pistes/{otherCase}/modifier', expect: adminOnly(200) },
  // Moves (htmx, as the kanban sends them): a jump the table refuses (repérée → déployée) is 409 for
  // the case's editors and 403 for the others; évaluée → « expérimentation » is a gate (409, « Lancer le comité »);
  // a case of another unit is moved by admins only. Without JavaScript a refused move is 303 back with a message.
  { method: 'POST', path: '/sourcing/pistes/00000000-0000-4000-8000-000000000000/deplacer', form: { stage: 'qualifiee' }, expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/sourcing/pistes/{case}/deplacer', form: { stage: 'deployee', expectedFrom: 'reperee' }, htmx: true, expect: signedOutHtmx(editors(409)) },
  { method: 'POST', path: '/sourcing/pistes/{evaluatedCase}/deplacer', form: { stage: 'experimentation', expectedFrom: 'evaluee' }, htmx: true, expect: signedOutHtmx(editors(409)) },
  { method: 'POST', path: '/sourcing/pistes/{otherCase}/deplacer', form: { stage: 'deployee', expectedFrom: 'reperee' }, htmx: true, expect: signedOutHtmx(adminOnly(409)) },
  { method: 'POST', path: '/sourcing/pistes/{case}/deplacer', form: { stage: 'deployee', expectedFrom: 'reperee' }, expect: anyoneSignedIn(303) },
  // The cases list's export: chargé, manager and admin (journaled).
  { method: 'GET', path: '/sourcing/pistes?format=csv', expect: editors(200) },
  // Import of start-ups into a challenge (the wizard, target « pistes »): those who import.
  { method: 'GET', path: '/imports/nouveau?type=sourcing_cases&defi={challenge}', expect: editors(200) },
  // Timelines of a case and a challenge: everyone reads (an unknown record: 404).
  { method: 'GET', path: '/sourcing/historique/pistes/{case}', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/historique/pistes/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/historique/defis/{challenge}', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/historique/defis/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  // Committees: the case's editors start one from « évaluée » (no evaluator chosen: 422); from « repérée » there is
  // no gate (409); everyone reads the decision log, its exports (CSV, PDF) are for chargé, manager and admin.
  { method: 'GET', path: '/sourcing/comites/nouveau?piste={evaluatedCase}&vers=experimentation', expect: editors(200) },
  { method: 'POST', path: '/sourcing/comites/nouveau?piste={evaluatedCase}&vers=experimentation', form: { documentsSeen: 'x' }, expect: editors(422) },
  { method: 'GET', path: '/sourcing/comites/nouveau?piste={otherCase}&vers=experimentation', expect: adminOnly(409) },
  { method: 'GET', path: '/sourcing/comites/nouveau?piste={case}&vers=experimentation', expect: editors(409) },
  { method: 'GET', path: '/sourcing/comites/nouveau?piste=00000000-0000-4000-8000-000000000000&vers=experimentation', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/comites/journal?defi={challenge}', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/comites/journal?defi=00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/comites/journal?defi={challenge}&format=csv', expect: editors(200) },
  { method: 'GET', path: '/sourcing/comites/journal?defi={challenge}&format=pdf', expect: editors(200) },
  { method: 'GET', path: '/sourcing/comites/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/sourcing/comites/00000000-0000-4000-8000-000000000000/remplacer', form: { evaluatorId: 'x' }, expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/sourcing/comites/00000000-0000-4000-8000-000000000000/complement', form: { note: 'x' }, expect: anyoneSignedIn(404) },
  // A step that is not one's own (here: none) is not found; the step's assignee is checked after (tests/integration/sourcing-gates*.test.ts).
  { method: 'GET', path: '/sourcing/comites/etapes/00000000-0000-4000-8000-000000000000/evaluation', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/sourcing/comites/etapes/00000000-0000-4000-8000-000000000000/evaluation', form: { overallComment: 'x' }, expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/comites/etapes/00000000-0000-4000-8000-000000000000/conflit', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/comites/etapes/00000000-0000-4000-8000-000000000000/decision', expect: anyoneSignedIn(404) },
  { method: 'POST', path: '/sourcing/comites/etapes/00000000-0000-4000-8000-000000000000/decision', form: { decision: 'go' }, expect: anyoneSignedIn(404) },
  // Pilots: everyone reads; the case's editors (and the decision owner) prepare, start (no criterion yet: 422) and close
  // them (a pilot not started yet cannot close: the page again, 422).
  { method: 'GET', path: '/sourcing/pilotes', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pilotes?etat=sans_decision', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/pilotes/00000000-0000-4000-8000-000000000000', expect: anyoneSignedIn(404) },
  { method: 'GET', path: '/sourcing/pilotes/{pilot}', expect: anyoneSignedIn(200) },
  { method: 'POST', path: '/sourcing/pilotes/{pilot}', form: { learnersCount: '-3' }, expect: editors(422) },
  { method: 'POST', path: '/sourcing/pilotes/{pilot}/demarrer', expect: editors(422) },
  { method: 'POST', path: '/sourcing/pilotes/{pilot}/decision', form: { decision: 'deployer' }, expect: editors(422) },
  { method: 'POST', path: '/sourcing/pilotes/00000000-0000-4000-8000-000000000000/decision', form: { decision: 'deployer' }, expect: anyoneSignedIn(404) },
  // The funnel: everyone reads; its exports (CSV, XLSX) are for chargé, manager and admin.
  { method: 'GET', path: '/sourcing/statistiques', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/statistiques?du=2025-01-01&au=2026-12-31&defi={challenge}&source=salon', expect: anyoneSignedIn(200) },
  { method: 'GET', path: '/sourcing/statistiques?format=csv', expect: editors(200) },
  { method: 'GET', path: '/sourcing/statistiques?format=xlsx', expect: editors(200) },
];

describe('role × route matrix', () => {
  let harness: TestApp;
  const browsers = new Map<Who, TestBrowser>();

  /** Records named in paths ({case}…), created once before the visitors sign in. */
  const FIXTURES: Record<string, string> = {};
  const VISITOR_IDS = new Map<Who, string>();
  const resolve = (path: string) => path.replace(/\{(\w+)\}/g, (_match, name: string) => FIXTURES[name] ?? name);

  beforeAll(async () => {
    harness = await startTestApp();
    const [ddpsi] = await harness.db.select().from(units).where(eq(units.code, 'DDPSI'));
    const [other] = await harness.db.select().from(units).where(eq(units.code, 'UO-PRO'));
    const owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const sponsor = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    for (const [name, unitId] of [
      ['', ddpsi?.id],
      ['other', other?.id],
    ] as const) {
      const challenge = await insertChallenge(harness.db, { title: `Défi ${name || 'DDPSI'}`, problemStatement: 'Un besoin.', criteria: [...DEFAULT_CRITERIA], ownerId: owner.id, sponsorId: sponsor.id, status: 'brouillon' });
      await replaceChallengeUnits(harness.db, challenge.id, [unitId as string]);
      const startup = await buildOrganization(harness.db, { name: `Start-up ${name || 'DDPSI'}`, kindCode: 'startup' });
      // Owned by someone else: the visitors edit it through their unit only.
      const row = await insertCase(harness.db, { organizationId: startup.id, challengeId: challenge.id, unitId: unitId as string, ownerId: owner.id, source: 'salon', stage: 'reperee', stageEnteredAt: new Date() }, 'person', owner.id);
      FIXTURES[name ? `${name}Challenge` : 'challenge'] = challenge.id;
      FIXTURES[name ? `${name}Case` : 'case'] = row.id;
    }
    // A case of DDPSI ready for its committee, and one in « expérimentation » with its pilot in preparation.
    for (const [name, stage] of [
      ['evaluatedCase', 'evaluee'],
      ['pilotCase', 'experimentation'],
    ] as const) {
      const startup = await buildOrganization(harness.db, { name: `Start-up ${name}`, kindCode: 'startup' });
      const row = await insertCase(harness.db, { organizationId: startup.id, challengeId: FIXTURES.challenge, unitId: ddpsi?.id, ownerId: owner.id, source: 'salon', stage, stageEnteredAt: new Date() }, 'person', owner.id);
      FIXTURES[name] = row.id;
    }
    const [pilot] = await harness.db.insert(sourcingPilots).values({ caseId: FIXTURES.pilotCase as string, iteration: 1, status: 'en_preparation' }).returning();
    FIXTURES.pilot = pilot?.id as string;
    for (const who of WHO) {
      const browser = new TestBrowser(harness.app);
      if (who !== 'anonymous') {
        const user = await buildUser(harness.db, { roles: [who], unitCodes: ['DDPSI'] });
        VISITOR_IDS.set(who, user.id);
        await browser.login(user.email);
      } else {
        await browser.get('/login');
      }
      browsers.set(who, browser);
    }
  });
  afterAll(() => harness.close());

  const cases = ROUTES.flatMap((route) => WHO.map((who) => [who, route.method, route.path, route] as const));

  test.each(cases)('%s: %s %s', async (who, method, path, route) => {
    const browser = browsers.get(who) as TestBrowser;
    const headers: Record<string, string> = route.htmx ? { 'HX-Request': 'true' } : {};
    const response = method === 'GET' ? await browser.get(resolve(path), headers) : await browser.post(resolve(path), route.form ?? {}, { headers });
    expect(response.status).toBe(route.expect(who));
    // A refused htmx request answers the message in #flash (HX-Retarget), a page says « Accès refusé ».
    if (response.status === 403) expect(route.htmx ? response.headers['hx-retarget'] : response.text).toContain(route.htmx ? '#flash' : 'Accès refusé');
  });

  test('no refused or gated request changed a case, started a committee or a pilot', async () => {
    const rows = await harness.db.select({ id: sourcingCases.id, stage: sourcingCases.stage }).from(sourcingCases);
    const stageOf = (id: string | undefined) => rows.find((row) => row.id === id)?.stage;
    expect([stageOf(FIXTURES.case), stageOf(FIXTURES.otherCase), stageOf(FIXTURES.evaluatedCase), stageOf(FIXTURES.pilotCase)]).toEqual(['reperee', 'reperee', 'evaluee', 'experimentation']);
    expect(await harness.db.select().from(sourcingGates)).toEqual([]);
    expect((await harness.db.select({ status: sourcingPilots.status }).from(sourcingPilots)).map((row) => row.status)).toEqual(['en_preparation']);
  });

  test('the committee form offers every role that may evaluate — juriste and finance included — but never a lecteur', async () => {
    const page = await (browsers.get('admin') as TestBrowser).get(`/sourcing/comites/nouveau?piste=${FIXTURES.evaluatedCase}&vers=experimentation`);
    expect(page.status).toBe(200);
    const offered = [...page.text.matchAll(/<input type="checkbox" id="evaluator-([0-9a-f-]{36})"/g)].map((match) => match[1]);
    for (const who of ['manager', 'charge', 'juriste', 'finance'] as const) expect(offered).toContain(VISITOR_IDS.get(who));
    expect(offered).not.toContain(VISITOR_IDS.get('lecteur'));
  });

  test('the navigation shows Administration to admins only', async () => {
    expect((await (browsers.get('admin') as TestBrowser).get('/')).text).toContain('Administration');
    expect((await (browsers.get('lecteur') as TestBrowser).get('/')).text).not.toContain('Administration');
  });
});
