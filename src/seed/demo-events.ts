// Demo reciprocity events (`npm run seed`, issue 13): over the last year and the next three
// months, with the demo partners — a conférence métier with the CREPS of Toulouse, a job dating
// with the CFA académique de Poitiers, comités de pilotage with universities (Lyon 2, Grenoble
// Alpes), a webinaire, a master class, a salon, a cancelled conseil de perfectionnement — their
// invitations and answers, and the attendance of the past ones (their organisations « attended »,
// last activity moved). Invitation rows are written directly: no e-mail leaves the seed.
// Dates are relative to the seed's reference time. Idempotent: each event has a source_ref; one
// already present is left untouched (its invitations too).
import { inArray } from 'drizzle-orm';
import { parisDateTime } from '../lib/format';
import { addParisDays, parisDayOf } from '../lib/paris-time';
import type { Database } from '../models/database';
import { touchLastActivity } from '../models/last-activity.model';
import {
  type Attendance,
  type EventKind,
  type InvitationResponse,
  contacts,
  eventInvitations,
  eventOrganizations,
  eventParticipants,
  events,
  organizations,
  units,
  users,
} from '../models/schema';

const NADIA = 'nadia.ferreira@passerelle.example'; // chargée, DDPSI (innovation)
const BASTIEN = 'bastien.lefebvre@passerelle.example'; // manager, DDPSI
const YANNICK = 'yannick.legoff@passerelle.example'; // chargé, UO-SUP (universities)

interface DemoInvitee {
  contactRef: string;
  organizationRef: string;
  response: InvitationResponse;
  /** Past events only. */
  attendance?: Attendance;
}

interface DemoEvent {
  sourceRef: string;
  kind: EventKind;
  title: string;
  /** Days from the seed's reference day (Paris), negative in the past. */
  day: number;
  start: string;
  end: string;
  place?: string;
  visioUrl?: string;
  unitCode: string;
  ownerEmail: string;
  participantEmails: string[];
  organizationRefs: string[];
  capacity?: number;
  description: string;
  invitees: DemoInvitee[];
  cancelReason?: string;
}

export const DEMO_EVENTS: readonly DemoEvent[] = [
  {
    sourceRef: 'seed:event:master-class-creps-reims',
    kind: 'master_class',
    title: 'Master class « Préparer l’après-carrière des sportifs »',
    day: -300,
    start: '14:00',
    end: '17:00',
    place: 'CREPS Grand Est, Reims',
    unitCode: 'DDPSI',
    ownerEmail: NADIA,
    participantEmails: [NADIA],
    organizationRefs: ['seed:creps-reims'],
    capacity: 40,
    description: 'Retours d’expérience de sportifs de haut niveau en reconversion, avec les formations à distance adaptées à leur calendrier.',
    invitees: [{ contactRef: 'seed:contact:creps-reims-sportifs', organizationRef: 'seed:creps-reims', response: 'accepte', attendance: 'present' }],
  },
  {
    sourceRef: 'seed:event:conference-metier-creps-toulouse',
    kind: 'conference_metier',
    title: 'Conférence métier : les métiers de l’encadrement sportif',
    day: -200,
    start: '09:30',
    end: '12:30',
    place: 'CREPS de Toulouse, amphithéâtre',
    unitCode: 'DDPSI',
    ownerEmail: NADIA,
    participantEmails: [NADIA, BASTIEN],
    organizationRefs: ['seed:creps-toulouse', 'seed:creps-reims'],
    capacity: 120,
    description: 'Présentation des parcours de formation à distance vers les diplômes de l’encadrement sportif, avec les équipes des CREPS.',
    invitees: [
      { contactRef: 'seed:contact:creps-toulouse-direction', organizationRef: 'seed:creps-toulouse', response: 'accepte', attendance: 'present' },
      { contactRef: 'seed:contact:creps-reims-sportifs', organizationRef: 'seed:creps-reims', response: 'peut_etre', attendance: 'absent' },
    ],
  },
  {
    sourceRef: 'seed:event:job-dating-cfa-poitiers',
    kind: 'job_dating',
    title: 'Job dating de l’apprentissage',
    day: -95,
    start: '13:30',
    end: '17:30',
    place: 'CFA académique de Poitiers',
    unitCode: 'DDPSI',
    ownerEmail: BASTIEN,
    participantEmails: [BASTIEN, NADIA],
    organizationRefs: ['seed:cfa-academique-poitiers'],
    capacity: 200,
    description: 'Rencontres entre apprentis des formations à distance et employeurs de la région, organisées avec le CFA académique.',
    invitees: [{ contactRef: 'seed:contact:cfa-poitiers', organizationRef: 'seed:cfa-academique-poitiers', response: 'accepte', attendance: 'present' }],
  },
  {
    sourceRef: 'seed:event:copil-lyon2',
    kind: 'comite_pilotage',
    title: 'Comité de pilotage du partenariat avec l’Université Lumière Lyon 2',
    day: -40,
    start: '10:00',
    end: '12:00',
    visioUrl: 'https://visio.passerelle.example/copil-lyon2',
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
    participantEmails: [YANNICK],
    organizationRefs: ['wikidata:Q4041'],
    description: 'Bilan de l’année, calendrier de la nouvelle convention, inscriptions à distance de la rentrée.',
    invitees: [
      { contactRef: 'seed:contact:lyon2-numerique', organizationRef: 'wikidata:Q4041', response: 'accepte', attendance: 'present' },
      { contactRef: 'seed:contact:lyon2-scolarite', organizationRef: 'wikidata:Q4041', response: 'decline', attendance: 'excuse' },
    ],
  },
  {
    sourceRef: 'seed:event:webinaire-fle-grenoble',
    kind: 'webinaire',
    title: 'Webinaire : le cursus FLE co-construit à distance',
    day: -15,
    start: '11:00',
    end: '12:00',
    visioUrl: 'https://visio.passerelle.example/webinaire-fle',
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
    participantEmails: [YANNICK],
    organizationRefs: ['wikidata:Q945876'],
    capacity: 300,
    description: 'Présentation du cursus de français langue étrangère aux équipes pédagogiques partenaires.',
    invitees: [{ contactRef: 'seed:contact:grenoble-partenariats', organizationRef: 'wikidata:Q945876', response: 'accepte', attendance: 'present' }],
  },
  {
    sourceRef: 'seed:event:rencontre-partenaires-numerique',
    kind: 'rencontre_partenaires',
    title: 'Rencontre partenaires : ressources numériques pour la formation',
    day: 12,
    start: '14:00',
    end: '16:30',
    place: 'Siège, salle Condorcet',
    unitCode: 'DDPSI',
    ownerEmail: NADIA,
    participantEmails: [NADIA, BASTIEN],
    organizationRefs: ['seed:reseau-canope', 'wikidata:Q4041'],
    capacity: 30,
    description: 'Tour de table des projets numériques des partenaires et pistes de ressources communes.',
    invitees: [
      { contactRef: 'seed:contact:canope-formation', organizationRef: 'seed:reseau-canope', response: 'accepte' },
      { contactRef: 'seed:contact:lyon2-numerique', organizationRef: 'wikidata:Q4041', response: 'peut_etre' },
      { contactRef: 'seed:contact:lyon2-scolarite', organizationRef: 'wikidata:Q4041', response: 'en_attente' },
    ],
  },
  {
    sourceRef: 'seed:event:conseil-perfectionnement-annule',
    kind: 'conseil_perfectionnement',
    title: 'Conseil de perfectionnement des formations sportives',
    day: 20,
    start: '09:00',
    end: '11:00',
    place: 'CREPS de Toulouse',
    unitCode: 'DDPSI',
    ownerEmail: NADIA,
    participantEmails: [NADIA],
    organizationRefs: ['seed:creps-toulouse'],
    description: 'Revue des maquettes de formation avec les représentants des sportifs.',
    invitees: [{ contactRef: 'seed:contact:creps-toulouse-direction', organizationRef: 'seed:creps-toulouse', response: 'accepte' }],
    cancelReason: 'Reporté au printemps : les représentants des sportifs sont en compétition.',
  },
  {
    sourceRef: 'seed:event:copil-grenoble',
    kind: 'comite_pilotage',
    title: 'Comité de pilotage du cursus FLE',
    day: 45,
    start: '14:00',
    end: '16:00',
    visioUrl: 'https://visio.passerelle.example/copil-fle',
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
    participantEmails: [YANNICK],
    organizationRefs: ['wikidata:Q945876'],
    description: 'Suivi des effectifs et préparation de la session d’été.',
    invitees: [{ contactRef: 'seed:contact:grenoble-partenariats', organizationRef: 'wikidata:Q945876', response: 'accepte' }],
  },
  {
    sourceRef: 'seed:event:salon-orientation',
    kind: 'salon',
    title: 'Salon de l’orientation et de la formation à distance',
    day: 80,
    start: '09:00',
    end: '18:00',
    place: 'Parc des expositions de Montpellier',
    unitCode: 'DDPSI',
    ownerEmail: BASTIEN,
    participantEmails: [BASTIEN, NADIA],
    organizationRefs: ['seed:creps-montpellier'],
    capacity: 1500,
    description: 'Stand commun avec le CREPS de Montpellier.',
    invitees: [],
  },
];

async function idsBy(rows: Array<{ key: string | null; id: string }>): Promise<Map<string, string>> {
  return new Map(rows.flatMap((row) => (row.key ? [[row.key, row.id] as [string, string]] : [])));
}

export interface EventSeedCounts {
  events: { inserted: number; alreadyPresent: number };
  invitations: number;
}

/** Inserts the demo events missing from the database, with their links, invitations and attendance. */
export async function seedEvents(db: Database, now: Date): Promise<EventSeedCounts> {
  const today = parisDayOf(now);
  const organizationRefs = [...new Set(DEMO_EVENTS.flatMap((event) => [...event.organizationRefs, ...event.invitees.map((invitee) => invitee.organizationRef)]))];
  const contactRefs = [...new Set(DEMO_EVENTS.flatMap((event) => event.invitees.map((invitee) => invitee.contactRef)))];
  const emails = [...new Set(DEMO_EVENTS.flatMap((event) => [event.ownerEmail, ...event.participantEmails]))];
  const organizationIds = await idsBy(await db.select({ key: organizations.sourceRef, id: organizations.id }).from(organizations).where(inArray(organizations.sourceRef, organizationRefs)));
  const contactIds = await idsBy(await db.select({ key: contacts.sourceRef, id: contacts.id }).from(contacts).where(inArray(contacts.sourceRef, contactRefs)));
  const userIds = await idsBy(await db.select({ key: users.email, id: users.id }).from(users).where(inArray(users.email, emails)));
  const unitIds = await idsBy(await db.select({ key: units.code, id: units.id }).from(units));
  const existing = new Set(
    (await db.select({ ref: events.sourceRef }).from(events).where(inArray(events.sourceRef, DEMO_EVENTS.map((event) => event.sourceRef)))).map((row) => row.ref),
  );

  let inserted = 0;
  let invitations = 0;
  for (const demo of DEMO_EVENTS) {
    if (existing.has(demo.sourceRef)) continue;
    const day = addParisDays(today, demo.day);
    const startsAt = parisDateTime(day, demo.start);
    const endsAt = parisDateTime(day, demo.end);
    const ownerId = userIds.get(demo.ownerEmail) ?? null;
    const cancelled = demo.cancelReason !== undefined;
    const [event] = await db
      .insert(events)
      .values({
        kind: demo.kind,
        title: demo.title,
        description: demo.description,
        startsAt,
        endsAt,
        place: demo.place ?? null,
        visioUrl: demo.visioUrl ?? null,
        unitId: unitIds.get(demo.unitCode) ?? null,
        ownerId,
        capacity: demo.capacity ?? null,
        status: cancelled ? 'annule' : 'planifie',
        cancelledAt: cancelled ? new Date(now.getTime() - 2 * 86_400_000) : null,
        cancelReason: demo.cancelReason ?? null,
        icsSequence: cancelled ? 1 : 0,
        createdById: ownerId,
        updatedById: ownerId,
        sourceRef: demo.sourceRef,
      })
      .onConflictDoNothing({ target: events.sourceRef })
      .returning();
    if (!event) continue;
    inserted += 1;

    const present = demo.invitees.filter((invitee) => invitee.attendance === 'present');
    const attended = new Set(present.map((invitee) => invitee.organizationRef));
    const organizationRows = [...new Set([...demo.organizationRefs, ...attended])].flatMap((ref) => {
      const organizationId = organizationIds.get(ref);
      return organizationId ? [{ eventId: event.id, organizationId, startsAt, concerned: demo.organizationRefs.includes(ref), attended: attended.has(ref) }] : [];
    });
    if (organizationRows.length > 0) await db.insert(eventOrganizations).values(organizationRows).onConflictDoNothing();
    const participantRows = demo.participantEmails.flatMap((email) => (userIds.get(email) ? [{ eventId: event.id, userId: userIds.get(email) as string, startsAt }] : []));
    if (participantRows.length > 0) await db.insert(eventParticipants).values(participantRows).onConflictDoNothing();

    // Invited three weeks before; answered within a few days; attendance recorded the day after.
    const sentAt = new Date(startsAt.getTime() - 21 * 86_400_000);
    const invitationRows = demo.invitees.flatMap((invitee, index) => {
      const contactId = contactIds.get(invitee.contactRef);
      if (!contactId) return [];
      return [
        {
          eventId: event.id,
          contactId,
          organizationId: organizationIds.get(invitee.organizationRef) ?? null,
          response: invitee.response,
          respondedAt: invitee.response === 'en_attente' ? null : new Date(sentAt.getTime() + (index + 1) * 2 * 86_400_000),
          sentSequence: event.icsSequence,
          sentAt,
          attendance: invitee.attendance ?? null,
          attendanceRecordedAt: invitee.attendance ? new Date(endsAt.getTime() + 86_400_000) : null,
          attendanceRecordedById: invitee.attendance ? ownerId : null,
          invitedById: ownerId,
        },
      ];
    });
    if (invitationRows.length > 0) invitations += (await db.insert(eventInvitations).values(invitationRows).onConflictDoNothing().returning({ id: eventInvitations.id })).length;

    // Attending a past event is activity for the organisation and the person.
    if (present.length > 0 && startsAt.getTime() <= now.getTime()) {
      await touchLastActivity(
        db,
        {
          organizationIds: [...attended].flatMap((ref) => (organizationIds.get(ref) ? [organizationIds.get(ref) as string] : [])),
          contactIds: present.flatMap((invitee) => (contactIds.get(invitee.contactRef) ? [contactIds.get(invitee.contactRef) as string] : [])),
        },
        startsAt,
      );
    }
  }
  return { events: { inserted, alreadyPresent: DEMO_EVENTS.length - inserted }, invitations };
}
