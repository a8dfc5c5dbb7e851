// Sessions live in PostgreSQL (table `sessions`), so any web process can serve any request and
// deactivating a user ends their sessions at once (DESIGN.md §6, docs/decisions/0002).
import session, { Store, type SessionData } from 'express-session';
import type { RequestHandler } from 'express';
import type { Database } from './database';
import { deleteSession, readSession, touchSession, writeSession } from '../models/sessions.model';

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

export class PostgresSessionStore extends Store {
  constructor(
    private readonly db: Database,
    private readonly idleMs: number,
  ) {
    super();
  }

  private expiryOf(data: SessionData): Date {
    const cookieExpiry = data.cookie?.expires ? new Date(data.cookie.expires) : null;
    return cookieExpiry ?? new Date(Date.now() + this.idleMs);
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    readSession(this.db, sid, new Date())
      .then((row) => callback(null, row ? (row.data as SessionData) : null))
      .catch((error: unknown) => callback(error));
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    writeSession(this.db, { sid, userId: data.userId ?? null, data, expiresAt: this.expiryOf(data) })
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    touchSession(this.db, sid, this.expiryOf(data))
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    deleteSession(this.db, sid)
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
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
    // Idle timeout: every request pushes the expiry back.
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
