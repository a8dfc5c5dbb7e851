import { fr as frFoundation } from './fr';
import { frConventions } from './fr-conventions';
import { frDirectory } from './fr-directory';
import { frDuplicates } from './fr-duplicates';
import { frExport } from './fr-export';
import { frImport } from './fr-import';
import { frKinds } from './fr-kinds';
import { frReference } from './fr-reference';
import { frSearch } from './fr-search';
import { frWorkflows } from './fr-workflows';
import { frExchanges } from './fr-exchanges';
import { frStartupMeeting } from './fr-startup-meeting';
import { frTasks } from './fr-tasks';
import { frTimeline } from './fr-timeline';
import { frHome } from './fr-home';
import { frEvents } from './fr-events';
import { frEventInvitations } from './fr-event-invitations';
import { frReminders } from './fr-reminders';
import { frReciprocity } from './fr-reciprocity';
import { frAgenda } from './fr-agenda';
import { frPartnerMail } from './fr-partner-mail';
import { frSourcingCases } from './fr-sourcing-cases';
import { frSourcingChallenges } from './fr-sourcing-challenges';
import { frSourcingGates } from './fr-sourcing-gates';
import { frSourcingPilots } from './fr-sourcing-pilots';
import { frSourcingStats } from './fr-sourcing-stats';

type Tree = { readonly [key: string]: string | Tree };
/**
 * The French catalogue, one file per feature so features can be worked on side by side.
 * Each file owns its own top-level groups; a clash would silently hide strings, so it throws.
 */
function mergeCatalogues(...parts: Tree[]): Tree {
  const merged: Record<string, string | Tree> = {};
  for (const part of parts) {
    for (const [group, value] of Object.entries(part)) {
      if (group in merged) throw new Error(`i18n: the group "${group}" is defined twice`);
      merged[group] = value;
    }
  }
  return merged;
}
const fr = mergeCatalogues(frFoundation, frDirectory, frSearch, frImport, frDuplicates, frExport, frReference, frKinds, frWorkflows, frConventions, frExchanges, frStartupMeeting, frTasks, frTimeline, frHome, frEvents, frEventInvitations, frReminders, frReciprocity, frAgenda, frPartnerMail, frSourcingCases, frSourcingChallenges, frSourcingGates, frSourcingPilots, frSourcingStats);
const catalogues: Record<string, Tree> = { fr };

/** Looks up a dotted key ("users.created") and fills `{name}` placeholders. Unknown keys show as-is. */
export function t(key: string, params: Record<string, unknown> = {}, locale = 'fr'): string {
  const template = lookup(key, locale);
  if (template === null) return key;
  return template.includes('{') ? template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match)) : template;
}

/** Resolved keys: a page renders the same labels hundreds of times. Bounded (keys may embed data). */
const resolved = new Map<string, string | null>();
const MAX_RESOLVED = 10_000;

function lookup(key: string, locale: string): string | null {
  const cacheKey = `${locale}\u0000${key}`;
  const known = resolved.get(cacheKey);
  if (known !== undefined) return known;
  let node: string | Tree | undefined = catalogues[locale] ?? fr;
  for (const part of key.split('.')) {
    node = typeof node === 'object' ? node[part] : undefined;
    if (node === undefined) break;
  }
  const template = typeof node === 'string' ? node : null;
  if (resolved.size < MAX_RESOLVED) resolved.set(cacheKey, template);
  return template;
}


/** A label keyed by a code that may itself contain dots (audit actions like `user.created`). */
export function labelFor(group: string, key: string, locale = 'fr'): string {
  const catalogue = (catalogues[locale] ?? fr) as Tree;
  const node = catalogue[group];
  const value = typeof node === 'object' ? node[key] : undefined;
  return typeof value === 'string' ? value : key;
}
