// Baseline: the framework's ceiling for the organisation list. Express 5 + express-handlebars
// (view cache on, as in production) render a DSFR page with the same filter form and the same
// 50-row table as /structures, from rows held in memory: no session, no CSRF, no database.
import path from 'node:path';
import express from 'express';
import { create } from 'express-handlebars';
import { formatDate } from '../../src/lib/format';
import { generateOrganization, seedFaker } from '../directory-data';
import { announceReady } from '../targets/child-process';

const KIND_LABELS: Record<string, string> = {
  universite: 'Université', ecole: 'École / grand établissement', startup: 'Start-up', entreprise: 'Entreprise',
  institution_publique: 'Institution publique', collectivite: 'Collectivité territoriale', federation_sportive: 'Fédération sportive',
  creps: 'CREPS / centre sportif', tiers_lieu: 'Tiers-lieu', cfa: 'CFA', lycee: 'Lycée', reseau_association: 'Réseau / association',
  opco: 'Opérateur de compétences (OPCO)',
};
const STATUS_LABELS: Record<string, string> = { prospect: 'Prospect', actif: 'Actif', en_sommeil: 'En sommeil', ancien: 'Ancien' };
const REGIONS = [
  ['84', 'Auvergne-Rhône-Alpes'], ['27', 'Bourgogne-Franche-Comté'], ['53', 'Bretagne'], ['24', 'Centre-Val de Loire'], ['94', 'Corse'],
  ['44', 'Grand Est'], ['32', 'Hauts-de-France'], ['11', 'Île-de-France'], ['28', 'Normandie'], ['75', 'Nouvelle-Aquitaine'],
  ['76', 'Occitanie'], ['52', 'Pays de la Loire'], ['93', "Provence-Alpes-Côte d'Azur"],
];

seedFaker(84);
const referenceDate = new Date('2026-06-01T00:00:00Z');
const rows = Array.from({ length: 50 }, (_, index) => {
  const organization = generateOrganization(index, { referenceDate, ownerIds: ['owner'] });
  return {
    id: organization.id,
    name: organization.name,
    acronym: organization.acronym,
    tags: organization.tags,
    kindLabel: KIND_LABELS[organization.kind_code],
    status: organization.status,
    city: organization.city,
    departmentCode: organization.department_code,
    regionName: REGIONS.find(([code]) => code === organization.region_code)?.[1] ?? null,
    ownerName: organization.owner_id ? 'Camille Laurent' : null,
    contactCount: index % 7,
    lastActivityAt: organization.last_activity_at ? new Date(organization.last_activity_at) : null,
    updatedAt: new Date(organization.updated_at),
  };
});
const options = {
  kinds: Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label })),
  statuses: Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label })),
  regions: REGIONS.map(([value, label]) => ({ value, label })),
};

const viewsDir = path.join(__dirname, 'views');
const engine = create({
  extname: '.hbs',
  defaultLayout: 'main',
  layoutsDir: path.join(viewsDir, 'layouts'),
  helpers: {
    formatDate: (value: Date | null) => formatDate(value),
    join: (list: unknown) => (Array.isArray(list) ? list.join(', ') : ''),
    eq: (a: unknown, b: unknown) => a === b,
    statusLabel: (status: string) => STATUS_LABELS[status] ?? status,
  },
});

const app = express();
app.engine('.hbs', engine.engine);
app.set('view engine', '.hbs');
app.set('views', viewsDir);
app.enable('view cache');
app.disable('x-powered-by');
app.get('/structures', (req, res) => {
  res.render('list', { title: 'Structures', rows, options, query: req.query, total: 2_350 });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announceReady(server));
