// Signed links for people without an account (RSVP, one-click unsubscribe) and for secret URLs
// (the personal iCal feed). A token is `<payload>.<signature>`, both base64url: the payload is a
// small JSON object with the token's purpose and, optionally, its expiry; the signature is an
// HMAC-SHA256 over the payload with the application's signing key (signing-key.model.ts). Nothing
// is stored per token: changing one character of the payload breaks the signature, and a token
// made for one purpose is refused for another.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'rsvp' | 'unsubscribe' | 'calendar-feed';

export interface TokenClaims {
  /** What the token allows; checked on verification. */
  purpose: TokenPurpose;
  /** The data the link acts on (an invitation id, a contact id, a user id and feed version). */
  subject: string;
  /** Seconds since the epoch after which the token is refused; absent: no expiry. */
  expiresAt?: number;
}

function signatureOf(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function signToken(key: Buffer, claims: TokenClaims): string {
  const body: Record<string, unknown> = { p: claims.purpose, s: claims.subject };
  if (claims.expiresAt !== undefined) body.e = Math.floor(claims.expiresAt);
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${signatureOf(key, payload).toString('base64url')}`;
}

export type TokenCheck = { ok: true; subject: string; expiresAt?: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong-purpose' };

export function verifyToken(key: Buffer, token: string, purpose: TokenPurpose, now = new Date()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1_000) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts as [string, string];
  const expected = signatureOf(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let body: { p?: unknown; s?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof body.s !== 'string' || typeof body.p !== 'string') return { ok: false, reason: 'malformed' };
  if (body.p !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (typeof body.e === 'number' && body.e * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return typeof body.e === 'number' ? { ok: true, subject: body.s, expiresAt: body.e } : { ok: true, subject: body.s };
}
