// express-handlebars with the helpers every view uses. User data is always escaped ({{ }});
// the only triple-stash is the layout's {{{body}}}.
import path from 'node:path';
import { formatPhone } from '../lib/phones';
import { create, type ExpressHandlebars } from 'express-handlebars';
import Handlebars, { type HelperOptions } from 'handlebars';
import { formatDate, formatDateTime, formatNumber } from '../lib/format';
import { t } from '../lib/i18n';
import { viewsDir } from '../lib/paths';

type Query = Record<string, unknown>;

/** Builds `base?query` with some parameters replaced (empty values dropped), for sort and paging links. */
export function urlWith(base: string, query: Query | undefined, overrides: Query): string {
  const params = new URLSearchParams();
  const merged: Query = { ...(query ?? {}), ...overrides };
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}

/**
 * Plain text (an exchange's notes) as HTML: everything escaped first, then the http(s) addresses
 * of the escaped text — which holds no tag, quote nor angle bracket any more — wrapped in links.
 * Never trusts HTML; line breaks are kept by the element's `passerelle-multiline` class.
 */
const ESCAPED_URL = /https?:\/\/(?:(?!&quot;|&#x27;|&lt;|&gt;|&#x60;)[^\s])+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

export function linkifyPlainText(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  return Handlebars.escapeExpression(value).replace(ESCAPED_URL, (match) => {
    const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
    const url = trailing ? match.slice(0, -trailing.length) : match;
    if (/^https?:\/\/$/i.test(url)) return match;
    return `<a class="fr-link" href="${url}" rel="noopener noreferrer">${url}</a>${trailing}`;
  });
}

export function createViewEngine(): ExpressHandlebars {
  return create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    // A standalone partial's lines are not indented: the indentation would enter textarea
    // contents (a description, notes, other SIRET) and grow at each save of a multi-line text.
    compilerOptions: { preventIndent: true },
    helpers: {
      t: (key: string, options: HelperOptions) => t(key, options.hash as Record<string, unknown>),
      formatDate: (value: Date | string | null) => formatDate(value),
      formatDateTime: (value: Date | string | null) => formatDateTime(value),
      formatNumber: (value: number | null) => formatNumber(value),
      eq: (a: unknown, b: unknown) => a === b,
      not: (value: unknown) => !value,
      or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
      and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
      includes: (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value),
      roleLabel: (role: string) => t(`roles.${role}`),
      add: (a: number, b: number) => Number(a) + Number(b),
      urlWith: (base: string, query: Query, options: HelperOptions) => urlWith(base, query, options.hash as Query),
      /** aria-sort value and next direction for a sortable column header. */
      sortState: (query: Query | undefined, column: string) => {
        const active = query?.sort === column;
        const dir = active ? query?.dir : undefined;
        return { active, ariaSort: active ? (dir === 'desc' ? 'descending' : 'ascending') : 'none', nextDir: active && dir === 'asc' ? 'desc' : 'asc' };
      },
      concat: (...args: unknown[]) => args.slice(0, -1).join(''),
      /** A literal list in a template: {{#each (array "a" "b")}}. */
      array: (...args: unknown[]) => args.slice(0, -1),
      join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
      // A form shown again holds what was sent, which may be a list or an object: never throw on it.
      formatPhone: (value: unknown) => (typeof value === 'string' && value ? formatPhone(value) : ''),
      /** Label of a code in a catalogue group, e.g. (labelOf "organizations.statuses" status). */
      labelOf: (group: string, key: string) => t(`${group}.${key}`),
      /** Plain text with its http(s) links clickable (escaped first: see linkifyPlainText). */
      linkify: (value: unknown) => new Handlebars.SafeString(linkifyPlainText(value)),
    },
  });
}
