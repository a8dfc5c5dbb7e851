// Sessions live in PostgreSQL (table `sessions`), so any web process can serve any request and
// deactivating a user ends their sessions at once (DESIGN.md §6, docs/decisions/0002).
import session, { Store, type SessionData } from 'express-session';
import type { RequestHandler } from 'express';
import type { Database } from '../models/database';
import { type SessionUserRow, deleteSession, readSession, touchSession, writeSession } from '../models/sessions.model';

export interface FlashMessage {
  type: 'success' | 'info' | 'warning' | 'error';
  message: string;
}

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** When the person signed in: the absolute timeout counts from here. */
    authenticatedAt?: number;
    flash?: FlashMessage[];
  }
}

type Callback = (error?: unknown) => void;

/**
 * The session table could not be read or written (database unreachable). express-session treats
 * a store error whose code is `ENOENT` as "no session" and starts a new, signed-out one — a unix
 * socket that is gone says exactly that — so every store error is wrapped: the request fails
 * (a 503, src/web/error-handler.ts) and the browser keeps its still-valid session for later.
 */
export class SessionStoreUnavailableError extends Error {
  readonly code = 'ESESSIONSTORE';
  constructor(cause: unknown) {
    super('session store unavailable', { cause });
    this.name = 'SessionStoreUnavailableError';
  }
}

const unavailable = (error: unknown) => new SessionStoreUnavailableError(error);

/** The account row read together with the request's session (same query, same moment). */
const userRows = new WeakMap<object, SessionUserRow>();

export function sessionUserRow(req: object): SessionUserRow | undefined {
  return userRows.get(req);
}

/**
 * The idle timeout is enforced by `sessions.expires_at` (a read ignores an expired row). Every
 * request pushes it back (`rolling`), but writing it on every request costs a write
 * transaction and its WAL flush per page view; it is only written when it would move by at
 * least this much. Granularity: a session therefore ends between SESSION_IDLE_MINUTES − 1 min
 * and SESSION_IDLE_MINUTES after the last request — never later than the configured timeout.
 */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

export class PostgresSessionStore extends Store {
  /** What `expires_at` held when a session was read, and its user row, keyed by the session data object. */
  private readonly readRows = new WeakMap<object, { expiresAt: Date; user: SessionUserRow | null }>();
  /** The same, moved to the cookie of the live session (the object `touch` receives). */
  private readonly storedExpiry = new WeakMap<object, Date>();

  constructor(
    private readonly db: Database,
    private readonly idleMs: number,
    private readonly touchIntervalMs = SESSION_TOUCH_INTERVAL_MS,
  ) {
    super();
  }

  private expiryOf(data: SessionData): Date {
    const cookieExpiry = data.cookie?.expires ? new Date(data.cookie.expires) : null;
    return cookieExpiry ?? new Date(Date.now() + this.idleMs);
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    readSession(this.db, sid, new Date())
      .then((row) => {
        if (!row) return callback(null, null);
        const data = row.data as SessionData;
        this.readRows.set(data, { expiresAt: row.expiresAt, user: row.user });
        callback(null, data);
      })
      .catch((error: unknown) => callback(unavailable(error)));
  }

  // express-session builds the request's session from what `get` returned; its Cookie object
  // is the one `touch` receives later, so the stored expiry follows it there. The user row
  // read with the session goes to the request, for loadActor (src/web/auth-middleware.ts).
  override createSession(req: Parameters<Store['createSession']>[0], data: SessionData): ReturnType<Store['createSession']> {
    const read = this.readRows.get(data);
    const session = super.createSession(req, data);
    if (read) {
      this.storedExpiry.set(session.cookie, read.expiresAt);
      if (read.user) userRows.set(req, read.user);
    }
    return session;
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    writeSession(this.db, { sid, userId: data.userId ?? null, data, expiresAt: this.expiryOf(data) })
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(unavailable(error)));
  }

  /** Called by express-session when the session did not change (otherwise `set` writes it all). */
  override touch(sid: string, data: SessionData, callback?: Callback): void {
    const expiry = this.expiryOf(data);
    const stored = this.storedExpiry.get(data.cookie);
    const ahead = stored ? expiry.getTime() - stored.getTime() : Number.POSITIVE_INFINITY;
    if (ahead >= 0 && ahead < this.touchIntervalMs) {
      callback?.();
      return;
    }
    touchSession(this.db, sid, expiry)
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(unavailable(error)));
  }

  override destroy(sid: string, callback?: Callback): void {
    deleteSession(this.db, sid)
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(unavailable(error)));
  }
}

export interface SessionOptions {
  db: Database;
  secret: string;
  idleMinutes: number;
  secureCookies: boolean;
}

export const SESSION_COOKIE = 'passerelle.sid';

export function sessionMiddleware(options: SessionOptions): RequestHandler {
  const idleMs = options.idleMinutes * 60_000;
  return session({
    name: SESSION_COOKIE,
    store: new PostgresSessionStore(options.db, idleMs),
    secret: options.secret,
    resave: false,
    // No row for anonymous visitors until something (a CSRF token, a flash) is stored.
    saveUninitialized: false,
    // Idle timeout: every request pushes the expiry back (cookie each time, the stored expiry at
    // most once a minute: see SESSION_TOUCH_INTERVAL_MS).
    rolling: true,
    proxy: undefined,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookies,
      maxAge: idleMs,
      path: '/',
    },
  });
}
