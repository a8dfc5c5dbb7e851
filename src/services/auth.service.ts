// Signing in, one-time links (first-admin setup, invitation, password reset) and password changes.
import { z } from 'zod';
import type { Database } from '../models/database';
import { NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { decoyPasswordHash, generateToken, hashPassword, hashToken, verifyPassword } from '../lib/passwords';
import { emailField, parseInput, passwordField, requiredText, withPasswordConfirmation } from '../lib/validation';
import { insertAuthToken, lockUsableToken, findUsableToken, markTokenUsed, revokeUnusedTokens } from '../models/auth-tokens.model';
import { deleteSessionsOfUser } from '../models/sessions.model';
import type { TokenPurpose, User } from '../models/schema';
import { countUsers, findActorRow, findUserByEmail, findUserById, insertUser, lockUserById, unitIdsOfUser, updateUser } from '../models/users.model';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { invalidatingAfter } from '../lib/reference-cache';
import type { LoginThrottle } from './login-throttle';
import { queueEmail } from './mail.service';

export const TOKEN_LIFETIME_HOURS: Record<TokenPurpose, number> = { setup: 24, invitation: 7 * 24, password_reset: 24 };

const loginSchema = z.object({ email: emailField(), password: z.string().min(1, t('validation.required')).max(256) });

/**
 * Checks the credentials. Failures are counted per (account, address), per account and per
 * address (src/services/login-throttle.ts); a success only clears its own (account, address).
 */
export async function authenticate(ctx: ServiceContext, input: unknown, throttle: LoginThrottle): Promise<User> {
  const { email, password } = parseInput(loginSchema, input);
  const ip = ctx.ip ?? 'unknown';
  await throttle.checkLogin(email, ip);
  const user = await findUserByEmail(ctx.db, email);
  // Verify against a decoy hash when there is no account, so timing does not reveal which emails exist.
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
  if (!user || !user.passwordHash || !passwordOk || !user.active) {
    await throttle.recordLoginFailure(email, ip);
    await inTransaction(ctx, (tx) =>
      recordAudit(tx, ctx, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: user?.id ?? email,
        metadata: { email, reason: !user ? 'unknown_email' : !user.active ? 'inactive' : 'bad_password' },
      }),
    );
    throw new ValidationError({ _form: t('auth.invalidCredentials') }, t('auth.invalidCredentials'));
  }
  await throttle.recordLoginSuccess(email, ip);
  return inTransaction(ctx, async (tx) => {
    const updated = await updateUser(tx, user.id, { lastLoginAt: ctx.now });
    await recordAudit(tx, { ...ctx, actor: await actorOf(tx, updated) }, { action: 'auth.login', entityType: 'user', entityId: user.id });
    return updated;
  });
}

export async function actorOf(db: Database, user: User): Promise<Actor> {
  return { id: user.id, email: user.email, displayName: user.displayName, roles: user.roles, unitIds: await unitIdsOfUser(db, user.id), capabilities: user.capabilities };
}

/** The actor behind a session, or null when the account no longer exists or is deactivated. */
export async function loadActiveActor(db: Database, userId: string): Promise<Actor | null> {
  return activeActorOf(await findActorRow(db, userId));
}

/** The actor of an account row that carries its unit ids, or null when it is deactivated. */
export function activeActorOf(
  row: { id: string; email: string; displayName: string; roles: Actor['roles']; active: boolean; unitIds: string[]; capabilities?: Actor['capabilities'] } | null | undefined,
): Actor | null {
  if (!row || !row.active) return null;
  return { id: row.id, email: row.email, displayName: row.displayName, roles: row.roles, unitIds: row.unitIds, capabilities: row.capabilities ?? [] };
}

export async function recordLogout(ctx: ServiceContext): Promise<void> {
  if (!ctx.actor) return;
  const actor = ctx.actor;
  await inTransaction(ctx, (tx) => recordAudit(tx, ctx, { action: 'auth.logout', entityType: 'user', entityId: actor.id }));
}

// ── one-time links ───────────────────────────────────────────────────────────────────────

function linkPath(purpose: TokenPurpose, token: string): string {
  return purpose === 'setup' ? `/setup/${token}` : `/mot-de-passe/${token}`;
}

/** Creates a one-time link (revoking older unused ones of the same kind for that person). */
export async function issueLink(
  tx: Database,
  ctx: ServiceContext,
  purpose: TokenPurpose,
  userId: string | null,
): Promise<{ link: string; tokenId: string; hours: number }> {
  await revokeUnusedTokens(tx, purpose, userId, ctx.now);
  const { token, tokenHash } = generateToken();
  const hours = TOKEN_LIFETIME_HOURS[purpose];
  const row = await insertAuthToken(tx, {
    tokenHash,
    purpose,
    userId,
    createdById: ctx.actor?.id ?? null,
    expiresAt: new Date(ctx.now.getTime() + hours * 3600_000),
  });
  return { link: `${ctx.baseUrl}${linkPath(purpose, token)}`, tokenId: row.id, hours };
}

// ── first administrator ──────────────────────────────────────────────────────────────────

export type FirstStartOutcome =
  | { kind: 'already_set_up' }
  | { kind: 'admin_created'; email: string }
  | { kind: 'setup_link'; link: string; hours: number; emailedTo?: string };

/**
 * At start, when no account exists: create the admin from ADMIN_EMAIL/ADMIN_PASSWORD, or issue
 * a one-time setup link (emailed to ADMIN_EMAIL when only that is set). No default password.
 */
export async function prepareFirstStart(
  ctx: ServiceContext,
  env: { adminEmail?: string; adminPassword?: string },
): Promise<FirstStartOutcome> {
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    if ((await countUsers(tx)) > 0) return { kind: 'already_set_up' as const };
    if (env.adminEmail && env.adminPassword) {
      const user = await insertUser(tx, {
        email: env.adminEmail,
        displayName: 'Administrateur',
        roles: ['admin'],
        passwordHash: await hashPassword(env.adminPassword),
        passwordChangedAt: ctx.now,
      });
      await recordAudit(tx, ctx, { action: 'user.created', entityType: 'user', entityId: user.id, after: user, metadata: { source: 'ADMIN_EMAIL' } });
      return { kind: 'admin_created' as const, email: user.email };
    }
    const { link, hours, tokenId } = await issueLink(tx, ctx, 'setup', null);
    if (env.adminEmail) {
      await queueEmail(tx, { to: env.adminEmail, template: 'setup', data: { link, hours }, idempotencyKey: `setup-${tokenId}` });
    }
    return { kind: 'setup_link' as const, link, hours, emailedTo: env.adminEmail };
  }));
}

export async function isSetupTokenUsable(ctx: ServiceContext, token: string): Promise<boolean> {
  const row = await findUsableToken(ctx.db, hashToken(token), ctx.now);
  return row?.purpose === 'setup' && (await countUsers(ctx.db)) === 0;
}

const setupSchema = withPasswordConfirmation(
  z.object({ email: emailField(), displayName: requiredText(120), password: passwordField(), passwordConfirm: z.string().default('') }),
);

export async function completeFirstAdminSetup(ctx: ServiceContext, token: string, input: unknown): Promise<User> {
  const values = parseInput(setupSchema, input);
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    const row = await lockUsableToken(tx, hashToken(token), ctx.now);
    if (!row || row.purpose !== 'setup' || (await countUsers(tx)) > 0) throw new NotFoundError(t('auth.linkInvalid'));
    const user = await insertUser(tx, {
      email: values.email,
      displayName: values.displayName,
      roles: ['admin'],
      passwordHash: await hashPassword(values.password),
      passwordChangedAt: ctx.now,
    });
    await markTokenUsed(tx, row.id, ctx.now);
    const actor = await actorOf(tx, user);
    await recordAudit(tx, { ...ctx, actor }, { action: 'auth.setup_completed', entityType: 'user', entityId: user.id, after: user });
    return user;
  }));
}

// ── choosing a password through a link ───────────────────────────────────────────────────

export async function describePasswordLink(ctx: ServiceContext, token: string): Promise<{ email: string; displayName: string }> {
  const row = await findUsableToken(ctx.db, hashToken(token), ctx.now);
  const user = row?.userId && row.purpose !== 'setup' ? await findUserById(ctx.db, row.userId) : undefined;
  if (!user || !user.active) throw new NotFoundError(t('auth.linkInvalid'));
  return { email: user.email, displayName: user.displayName };
}

const choosePasswordSchema = withPasswordConfirmation(z.object({ password: passwordField(), passwordConfirm: z.string().default('') }));

export async function setPasswordWithLink(ctx: ServiceContext, token: string, input: unknown): Promise<User> {
  const values = parseInput(choosePasswordSchema, input);
  return inTransaction(ctx, async (tx) => {
    const row = await lockUsableToken(tx, hashToken(token), ctx.now);
    const user = row?.userId && row.purpose !== 'setup' ? await lockUserById(tx, row.userId) : undefined;
    if (!row || !user || !user.active) throw new NotFoundError(t('auth.linkInvalid'));
    rejectPasswordContainingEmail(values.password, user.email, 'password');
    const updated = await updateUser(tx, user.id, { passwordHash: await hashPassword(values.password), passwordChangedAt: ctx.now });
    await markTokenUsed(tx, row.id, ctx.now);
    await deleteSessionsOfUser(tx, user.id);
    await recordAudit(tx, { ...ctx, actor: await actorOf(tx, updated) }, {
      action: 'user.password_set',
      entityType: 'user',
      entityId: user.id,
      metadata: { purpose: row.purpose },
    });
    return updated;
  });
}

const forgotSchema = z.object({ email: emailField() });

/** Self-service reset. Says the same thing whether or not the account exists. */
export async function requestPasswordReset(ctx: ServiceContext, input: unknown, throttle: LoginThrottle): Promise<void> {
  const { email } = parseInput(forgotSchema, input);
  await throttle.checkResetRequest(ctx.ip ?? 'unknown');
  if (!(await throttle.mayEmailReset(`reset:${email}`))) return;
  await inTransaction(ctx, async (tx) => {
    const user = await findUserByEmail(tx, email);
    if (!user || !user.active) return;
    const { link, hours, tokenId } = await issueLink(tx, ctx, 'password_reset', user.id);
    await queueEmail(tx, {
      to: user.email,
      template: 'password_reset',
      data: { link, hours, displayName: user.displayName, email: user.email },
      idempotencyKey: `password-reset-${tokenId}`,
    });
    await recordAudit(tx, ctx, { action: 'user.password_reset_requested', entityType: 'user', entityId: user.id, metadata: { selfService: true } });
  });
}

// ── changing one's own password ──────────────────────────────────────────────────────────

const changePasswordSchema = withPasswordConfirmation(
  z.object({ currentPassword: z.string().min(1, t('validation.required')), password: passwordField(), passwordConfirm: z.string().default('') }),
);

/** Changes the actor's password and ends their other sessions (the current one stays). */
export async function changeOwnPassword(ctx: ServiceContext, input: unknown, currentSessionId: string): Promise<void> {
  const values = parseInput(changePasswordSchema, input);
  const actor = ctx.actor;
  if (!actor) throw new NotFoundError();
  await inTransaction(ctx, async (tx) => {
    const user = await lockUserById(tx, actor.id);
    if (!user) throw new NotFoundError();
    if (!(await verifyPassword(user.passwordHash, values.currentPassword))) {
      throw new ValidationError({ currentPassword: t('validation.currentPasswordWrong') });
    }
    rejectPasswordContainingEmail(values.password, user.email, 'password');
    await updateUser(tx, user.id, { passwordHash: await hashPassword(values.password), passwordChangedAt: ctx.now });
    const endedSessions = await deleteSessionsOfUser(tx, user.id, currentSessionId);
    await recordAudit(tx, ctx, { action: 'user.password_changed', entityType: 'user', entityId: user.id, metadata: { endedSessions } });
  });
}

function rejectPasswordContainingEmail(password: string, email: string, field: string): void {
  const localPart = email.split('@')[0] ?? '';
  if (localPart.length >= 4 && password.toLowerCase().includes(localPart.toLowerCase())) {
    throw new ValidationError({ [field]: t('validation.passwordSameAsEmail') });
  }
}
