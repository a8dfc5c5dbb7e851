// The Express application, without listen(): used by src/boot.ts and tests. Process-wide
// settings and registrations are not made here but in the composition root (src/boot.ts
// configureProcess), which a worker-only process runs too.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { csrfSync } from 'csrf-sync';
import { loadActor } from './web/auth-middleware';
import { errorHandler, notFoundHandler } from './web/error-handler';
import { guardRouteParams } from './web/route-params';
import { type AppDeps, htmxMiddleware, parseQueryString } from './web/http';
import { t } from './lib/i18n';
import { logger, maskSecretUrl } from './lib/logger';
import { navigationFor } from './web/navigation';
import { projectRoot, publicDir, viewsDir } from './lib/paths';
import { sessionMiddleware } from './web/session';
import { createViewEngine } from './web/view-engine';
import { accountRouter } from './routes/account.routes';
import { adminJournalRouter } from './routes/admin-journal.routes';
import { adminMailRouter } from './routes/admin-mail.routes';
import { adminUnitsRouter } from './routes/admin-units.routes';
import { adminUsersRouter } from './routes/admin-users.routes';
import { adminRestrictionsRouter } from './routes/admin-restrictions.routes';
import { adminKindsRouter } from './routes/admin-kinds.routes';
import { authRouter } from './routes/auth.routes';
import { healthRouter } from './routes/health.routes';
import { homeRouter } from './routes/home.routes';
import { exchangeListRouter } from './routes/exchange-list.routes';
import { startupMeetingRouter } from './routes/startup-meeting.routes';
import { exchangesRouter } from './routes/exchanges.routes';
import { tasksRouter } from './routes/tasks.routes';
import { adminSettingsRouter } from './routes/admin-settings.routes';
import { contactsRouter } from './routes/contacts.routes';
import { duplicatesRouter } from './routes/duplicates.routes';
import { importsRouter } from './routes/imports.routes';
import { isUploadRequest } from './web/uploads';
import { conventionsRouter } from './routes/conventions.routes';
import { organizationsRouter } from './routes/organizations.routes';
import { referenceRouter } from './routes/reference.routes';
import { searchRouter } from './routes/search.routes';
import { adminCircuitsRouter } from './routes/admin-circuits.routes';
import { CONVENTION_CIRCUITS_PATH, adminConventionCircuitsRouter } from './routes/admin-convention-circuits.routes';
import { QUEUE_BOARD_PATH, adminQueuesRouter } from './routes/admin-queues.routes';
import { validationsRouter } from './routes/validations.routes';
import { can } from './services/permissions';
import { eventsRouter } from './routes/events.routes';
import { eventInvitationsRouter } from './routes/event-invitations.routes';
import { rsvpRouter } from './routes/rsvp.routes';
import { unsubscribeRouter } from './routes/unsubscribe.routes';
import { calendarFeedRouter } from './routes/calendar-feed.routes';
import { agendaRouter } from './routes/agenda.routes';
import { adminRemindersRouter } from './routes/admin-reminders.routes';
import { notificationsRouter } from './routes/notifications.routes';
import { adminReciprocityRouter } from './routes/admin-reciprocity.routes';
import { sourcingCasesRouter } from './routes/sourcing-cases.routes';
import { sourcingChallengesRouter } from './routes/sourcing-challenges.routes';
import { sourcingGatesRouter } from './routes/sourcing-gates.routes';
import { sourcingPilotsRouter } from './routes/sourcing-pilots.routes';
import { sourcingStatsRouter } from './routes/sourcing-stats.routes';
import { sourcingTimelineRouter } from './routes/sourcing-timeline.routes';

function versionIn(packageJsonPath: string): string {
  return (JSON.parse(fs.readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
}

/** Versioned asset URLs: a new version is a new URL, so browsers may cache for a year. */
export const ASSETS = {
  dsfr: `/static/dsfr/${versionIn(path.join(projectRoot, 'node_modules/@gouvfr/dsfr/package.json'))}`,
  htmx: `/static/htmx/${versionIn(path.join(projectRoot, 'node_modules/htmx.org/package.json'))}`,
  /** SortableJS (the kanban's drag and drop), served from its package like htmx. */
  sortable: `/static/sortable/${versionIn(path.join(projectRoot, 'node_modules/sortablejs/package.json'))}`,
  app: `/static/app/${versionIn(path.join(projectRoot, 'package.json'))}`,
};

const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.locals.deps = deps;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY ? 1 : false);
  app.set('query parser', parseQueryString);

  const engine = createViewEngine();
  app.engine('.hbs', engine.engine);
  app.set('view engine', '.hbs');
  app.set('views', viewsDir);
  if (deps.config.NODE_ENV === 'production') app.enable('view cache');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url?.startsWith('/static/') === true || req.url === '/healthz' },
      // Secret links (the iCal feed, RSVP, unsubscribe, setup) are logged without their token.
      serializers: { req: (req: { url?: string }) => Object.assign(req, { url: maskSecretUrl(req.url) }) },
    }),
  );

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          frameSrc: ["'self'"],
          frameAncestors: ["'self'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          ...(deps.config.COOKIE_SECURE ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: deps.config.COOKIE_SECURE,
    }),
  );

  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals.assets = ASSETS;
    res.locals.mailMode = deps.mailMode;
    next();
  });

  const staticOptions = { immutable: true, maxAge: '365d', index: false, fallthrough: false } as const;
  app.use(ASSETS.dsfr, express.static(path.join(projectRoot, 'node_modules/@gouvfr/dsfr/dist'), staticOptions));
  app.use(ASSETS.htmx, express.static(path.join(projectRoot, 'node_modules/htmx.org/dist'), staticOptions));
  app.use(ASSETS.sortable, express.static(path.join(projectRoot, 'node_modules/sortablejs'), staticOptions));
  app.use(ASSETS.app, express.static(publicDir, staticOptions));
  app.get('/favicon.ico', (_req, res) => res.redirect(301, `${ASSETS.dsfr}/favicon/favicon.ico`));

  app.use(healthRouter());

  app.use(express.urlencoded({ extended: true, limit: '200kb', parameterLimit: 2_000 }));
  app.use(
    sessionMiddleware({
      db: deps.db,
      secret: deps.sessionSecret,
      idleMinutes: deps.config.SESSION_IDLE_MINUTES,
      secureCookies: deps.config.COOKIE_SECURE,
    }),
  );
  app.use(htmxMiddleware);

  const csrf = csrfSync({
    getTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const fromHeader = req.headers['x-csrf-token'];
      return typeof fromHeader === 'string' ? fromHeader : undefined;
    },
    errorConfig: { statusCode: 403, message: t('errors.csrf'), code: 'EBADCSRFTOKEN' },
    // Multipart uploads carry their token in the body, which only the upload route reads
    // (src/web/uploads.ts checks it before accepting the file).
    skipCsrfProtection: isUploadRequest,
  });
  app.use(loadActor());
  app.use((req: Request, res: Response, next: NextFunction) => {
    // Reuses the session's token; set before the check so a CSRF error page can still render forms.
    res.locals.csrfToken = csrf.generateToken(req);
    res.locals.currentUser = req.actor;
    res.locals.navigation = navigationFor(req.actor, req.path);
    // The header's « + Saisir » and the pages' « Consigner un échange ».
    res.locals.canLogExchanges = can(req.actor, 'exchanges.edit');
    // The record pages' « Nouvelle tâche ».
    res.locals.canCreateTasks = can(req.actor, 'tasks.edit');
    res.locals.currentPath = req.path;
    next();
  });
  // Links followed from e-mails and calendar apps, without a session: a signed token in the URL
  // is their proof (and a one-click unsubscribe POST comes from the mail client, without a CSRF token).
  app.use('/invitation', rsvpRouter());
  app.use('/desabonnement', unsubscribeRouter());
  app.use('/agenda', calendarFeedRouter());
  app.use(csrf.csrfSynchronisedProtection);

  app.use(authRouter());
  app.use(homeRouter());
  app.use(accountRouter());
  app.use('/structures', organizationsRouter());
  app.use('/contacts', contactsRouter());
  app.use('/recherche', searchRouter());
  app.use('/imports', importsRouter());
  app.use('/doublons', duplicatesRouter());
  app.use('/conventions', conventionsRouter());
  app.use('/referentiel', referenceRouter());
  app.use('/admin/utilisateurs', adminUsersRouter());
  app.use('/admin/unites', adminUnitsRouter());
  app.use('/admin/journal', adminJournalRouter());
  app.use('/admin/courriels', adminMailRouter());
  app.use('/admin/champs-reserves', adminRestrictionsRouter());
  app.use('/admin/types-de-structures', adminKindsRouter());
  app.use('/validations', validationsRouter());
  // The list (and its exports) and the one-form start-up meeting before the exchange pages, whose `/:id` takes the rest.
  app.use('/echanges', exchangeListRouter());
  app.use('/echanges/rencontre-startup', startupMeetingRouter());
  app.use('/echanges', exchangesRouter());
  app.use('/taches', tasksRouter());
  app.use('/admin/parametres', adminSettingsRouter());
  app.use('/evenements', eventInvitationsRouter());
  app.use('/evenements', eventsRouter());
  app.use('/agenda', agendaRouter());
  app.use('/notifications', notificationsRouter());
  app.use('/admin/relances', adminRemindersRouter());
  app.use('/admin/reciprocite', adminReciprocityRouter());
  // The sourcing pipeline: the specific paths first, the kanban and the cases (/sourcing, /sourcing/pistes) last.
  app.use('/sourcing/defis', sourcingChallengesRouter());
  app.use('/sourcing/comites', sourcingGatesRouter());
  app.use('/sourcing/pilotes', sourcingPilotsRouter());
  app.use('/sourcing/statistiques', sourcingStatsRouter());
  app.use('/sourcing/historique', sourcingTimelineRouter());
  app.use('/sourcing', sourcingCasesRouter());
  app.use('/admin/circuits', adminCircuitsRouter());
  app.use(CONVENTION_CIRCUITS_PATH, adminConventionCircuitsRouter());
  if (deps.queues) app.use(QUEUE_BOARD_PATH, adminQueuesRouter(Object.values(deps.queues)));
  // Every :id (and other parameter) of the routers above is checked before a handler runs.
  guardRouteParams(app, { except: [QUEUE_BOARD_PATH] });

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
