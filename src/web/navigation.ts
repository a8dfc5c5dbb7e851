// The main navigation. Entries appear only when the feature exists and the person may use it:
// later issues add theirs here (Structures, Contacts, Conventions, Sourcing, Événements, Indicateurs).
import { t } from '../lib/i18n';
import type { Actor } from '../services/context';
import { can, type Permission } from '../services/permissions';

interface NavEntry {
  label: string;
  href: string;
  permission: Permission;
  children?: Array<{ label: string; href: string; permission: Permission }>;
}

const ENTRIES: NavEntry[] = [
  { label: t('nav.dashboard'), href: '/', permission: 'dashboard.read' },
  {
    label: t('nav.directory'),
    href: '/structures',
    permission: 'directory.read',
    children: [
      { label: t('nav.organizations'), href: '/structures', permission: 'directory.read' },
      { label: t('nav.contacts'), href: '/contacts', permission: 'directory.read' },
      { label: t('nav.imports'), href: '/imports', permission: 'directory.import' },
      { label: t('nav.duplicates'), href: '/doublons', permission: 'directory.read' },
    ],
  },
  {
    label: t('nav.activity'),
    href: '/echanges',
    permission: 'exchanges.read',
    children: [
      { label: t('nav.exchanges'), href: '/echanges', permission: 'exchanges.read' },
      { label: t('nav.tasks'), href: '/taches', permission: 'tasks.read' },
      { label: t('events.nav'), href: '/evenements', permission: 'events.read' },
      { label: t('agenda.nav'), href: '/agenda', permission: 'agenda.read' },
    ],
  },
  { label: t('nav.agreements'), href: '/conventions', permission: 'conventions.read' },
  {
    label: t('sourcingCases.nav.group'),
    href: '/sourcing',
    permission: 'sourcing.read',
    children: [
      { label: t('sourcingCases.nav.kanban'), href: '/sourcing', permission: 'sourcing.read' },
      { label: t('sourcingChallenges.nav'), href: '/sourcing/defis', permission: 'sourcing.read' },
      { label: t('sourcingPilots.nav'), href: '/sourcing/pilotes', permission: 'sourcing.read' },
      { label: t('sourcingStats.nav'), href: '/sourcing/statistiques', permission: 'sourcing.read' },
    ],
  },
  { label: t('validations.nav'), href: '/validations', permission: 'workflows.inbox' },
  {
    label: t('nav.admin'),
    href: '/admin/utilisateurs',
    permission: 'users.manage',
    children: [
      { label: t('nav.adminUsers'), href: '/admin/utilisateurs', permission: 'users.manage' },
      { label: t('nav.adminUnits'), href: '/admin/unites', permission: 'units.manage' },
      { label: t('nav.adminAudit'), href: '/admin/journal', permission: 'audit.read' },
      { label: t('nav.adminMail'), href: '/admin/courriels', permission: 'devMail.read' },
      { label: t('nav.adminRestrictions'), href: '/admin/champs-reserves', permission: 'directory.restrictFields' },
      { label: t('nav.adminKinds'), href: '/admin/types-de-structures', permission: 'referenceData.manage' },
      { label: t('workflows.admin.nav'), href: '/admin/circuits', permission: 'workflows.admin' },
      { label: t('workflows.kindCircuits.nav'), href: '/admin/circuits-des-conventions', permission: 'workflows.admin' },
      { label: t('workflows.admin.queuesNav'), href: '/admin/files', permission: 'workflows.admin' },
      { label: t('nav.adminSettings'), href: '/admin/parametres', permission: 'settings.manage' },
      { label: t('reminders.admin.nav'), href: '/admin/relances', permission: 'reminders.manage' },
      { label: t('reciprocity.admin.nav'), href: '/admin/reciprocite', permission: 'reciprocity.manage' },
    ],
  },
];

function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

export function navigationFor(actor: Actor | null, path: string) {
  if (!actor) return [];
  return ENTRIES.filter((entry) => can(actor, entry.permission)).map((entry, index) => {
    const visible = (entry.children ?? []).filter((child) => can(actor, child.permission));
    // The most specific entry is the current one (/sourcing/defis is not also « Kanban », /sourcing).
    const currentHref = visible.filter((child) => isCurrent(child.href, path)).sort((a, b) => b.href.length - a.href.length)[0]?.href;
    const children = visible.map((child) => ({ ...child, current: child.href === currentHref }));
    const current = children.length > 0 ? children.some((child) => child.current) : isCurrent(entry.href, path);
    return { ...entry, id: `nav-${index}`, children, hasChildren: children.length > 0, current };
  });
}
