// Account administration: create, edit roles and units, deactivate, reactivate, reset password.
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { emailField, parseInput, requiredText, stringList } from '../lib/validation';
import { CAPABILITIES, ROLES, type Capability, type Role, type User } from '../models/schema';
import { deleteSessionsOfUser } from '../models/sessions.model';
import { findUnitsByIds } from '../models/units.model';
import {
  type UserListRow,
  countActiveAdmins,
  findUserByEmail,
  findUserById,
  insertUser,
  listUsers,
  lockUserById,
  replaceUserUnits,
  unitIdsOfUser,
  updateUser,
} from '../models/users.model';
import type { Database } from '../models/database';
import { recordAudit } from './audit.service';
import { issueLink } from './auth.service';
import { type ServiceContext, inTransaction } from './context';
import { invalidatingAfter } from '../lib/reference-cache';
import { queueEmail } from './mail.service';
import { assertCan } from './permissions';

export const USER_PAGE_SIZE = 25;

const listSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  status: z.enum(['active', 'inactive']).optional().catch(undefined),
  sort: z.enum(['name', 'email', 'lastLogin', 'created']).default('name').catch('name'),
  dir: z.enum(['asc', 'desc']).default('asc').catch('asc'),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type UserListQuery = z.infer<typeof listSchema>;

export interface UserListPage {
  query: UserListQuery;
  rows: UserListRow[];
  total: number;
  page: number;
  pageCount: number;
}

/** Unknown or malformed filters are ignored rather than failing: a bookmarked URL keeps working. */
export async function listUsersPage(ctx: ServiceContext, rawQuery: unknown): Promise<UserListPage> {
  assertCan(ctx.actor, 'users.manage');
  const query = listSchema.parse(rawQuery ?? {});
  const { rows, total } = await listUsers(ctx.db, {
    q: query.q || undefined,
    role: query.role,
    unitId: query.unit,
    status: query.status,
    sort: query.sort,
    direction: query.dir,
    limit: USER_PAGE_SIZE,
    offset: (query.page - 1) * USER_PAGE_SIZE,
  });
  return { query, rows, total, page: query.page, pageCount: Math.max(1, Math.ceil(total / USER_PAGE_SIZE)) };
}

export type UserForEdit = Omit<User, 'passwordHash'> & { unitIds: string[]; hasPassword: boolean };

export async function getUserForEdit(ctx: ServiceContext, id: string): Promise<UserForEdit> {
  assertCan(ctx.actor, 'users.manage');
  const user = z.uuid().safeParse(id).success ? await findUserById(ctx.db, id) : undefined;
  if (!user) throw new NotFoundError();
  const { passwordHash, ...visible } = user;
  return { ...visible, hasPassword: passwordHash !== null, unitIds: await unitIdsOfUser(ctx.db, user.id) };
}

const rolesField = () =>
  stringList().pipe(z.array(z.enum(ROLES, { error: t('validation.unknownRole') })).min(1, t('validation.rolesRequired')));

const userFieldsSchema = z.object({
  displayName: requiredText(120),
  roles: rolesField(),
  unitIds: stringList().pipe(z.array(z.uuid({ error: t('validation.unknownUnit') }))),
  /** Granted on top of roles: `dpo` may answer data subjects' access requests (GDPR export). */
  capabilities: stringList().pipe(z.array(z.enum(CAPABILITIES, { error: t('users.unknownCapability') }))),
});

/** In catalogue order, without repeats. */
function capabilitiesOf(values: { capabilities: Capability[] }): Capability[] {
  return CAPABILITIES.filter((capability) => values.capabilities.includes(capability));
}

const createSchema = userFieldsSchema.extend({
  email: emailField(),
  sendInvitation: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
});

async function assertUnitsExist(db: Database, unitIds: string[]): Promise<void> {
  const found = await findUnitsByIds(db, unitIds);
  if (found.length !== new Set(unitIds).size) throw new ValidationError({ unitIds: t('validation.unknownUnit') });
}

export interface CreatedUser {
  user: User;
  link: string;
  hours: number;
  emailed: boolean;
}

/** Creates an account without a password; the person chooses it through a one-time link. */
export async function createUser(ctx: ServiceContext, input: unknown): Promise<CreatedUser> {
  assertCan(ctx.actor, 'users.manage');
  const values = parseInput(createSchema, input);
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    if (await findUserByEmail(tx, values.email)) throw new ValidationError({ email: t('validation.emailTaken') });
    await assertUnitsExist(tx, values.unitIds);
    const user = await insertUser(tx, { email: values.email, displayName: values.displayName, roles: values.roles, capabilities: capabilitiesOf(values) });
    const unitIds = [...new Set(values.unitIds)];
    await replaceUserUnits(tx, user.id, unitIds);
    const { link, hours, tokenId } = await issueLink(tx, ctx, 'invitation', user.id);
    if (values.sendInvitation) {
      await queueEmail(tx, {
        to: user.email,
        template: 'invitation',
        data: { link, hours, displayName: user.displayName, email: user.email, invitedBy: ctx.actor?.displayName ?? 'Passerelle' },
        idempotencyKey: `invitation-${tokenId}`,
      });
    }
    await recordAudit(tx, ctx, {
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      after: { ...user, unitIds },
      metadata: { invitationEmailed: values.sendInvitation },
    });
    return { user, link, hours, emailed: values.sendInvitation };
  }));
}

export async function updateUserAccount(ctx: ServiceContext, id: string, input: unknown): Promise<User> {
  assertCan(ctx.actor, 'users.manage');
  const values = parseInput(userFieldsSchema, input);
  const actor = ctx.actor;
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    const before = await lockUserById(tx, id);
    if (!before) throw new NotFoundError();
    const beforeUnitIds = await unitIdsOfUser(tx, id);
    await assertUnitsExist(tx, values.unitIds);
    const losesAdmin = before.roles.includes('admin') && !values.roles.includes('admin');
    if (losesAdmin && before.id === actor.id) throw new ValidationError({ roles: t('users.cannotDropOwnAdmin') });
    if (losesAdmin && before.active && (await countActiveAdmins(tx)) <= 1) throw new ValidationError({ roles: t('users.lastAdmin') });
    const roles = ROLES.filter((role): role is Role => values.roles.includes(role));
    const capabilities = capabilitiesOf(values);
    const after = await updateUser(tx, id, { displayName: values.displayName, roles, capabilities });
    const unitIds = [...new Set(values.unitIds)];
    await replaceUserUnits(tx, id, unitIds);
    // Granting or removing « DPO » opens or closes access to everything held on a person: said in words too.
    const granted = capabilities.filter((capability) => !before.capabilities.includes(capability));
    const removed = before.capabilities.filter((capability) => !capabilities.includes(capability));
    await recordAudit(tx, ctx, {
      action: 'user.updated',
      entityType: 'user',
      entityId: id,
      before: { ...before, unitIds: beforeUnitIds },
      after: { ...after, unitIds },
      ...(granted.length > 0 || removed.length > 0 ? { metadata: { capabilitiesGranted: granted, capabilitiesRemoved: removed } } : {}),
    });
    return after;
  }));
}

/** Deactivation ends every session of the person at once. */
export async function deactivateUser(ctx: ServiceContext, id: string): Promise<User> {
  assertCan(ctx.actor, 'users.manage');
  const actor = ctx.actor;
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    const before = await lockUserById(tx, id);
    if (!before) throw new NotFoundError();
    if (before.id === actor.id) throw new ConflictError(t('users.cannotDeactivateSelf'));
    if (!before.active) return before;
    if (before.roles.includes('admin') && (await countActiveAdmins(tx)) <= 1) throw new ConflictError(t('users.lastAdmin'));
    const after = await updateUser(tx, id, { active: false, deactivatedAt: ctx.now });
    const endedSessions = await deleteSessionsOfUser(tx, id);
    await recordAudit(tx, ctx, { action: 'user.deactivated', entityType: 'user', entityId: id, before, after, metadata: { endedSessions } });
    return after;
  }));
}

export async function reactivateUser(ctx: ServiceContext, id: string): Promise<User> {
  assertCan(ctx.actor, 'users.manage');
  return invalidatingAfter(['activeUserOptions'], inTransaction(ctx, async (tx) => {
    const before = await lockUserById(tx, id);
    if (!before) throw new NotFoundError();
    if (before.active) return before;
    const after = await updateUser(tx, id, { active: true, deactivatedAt: null });
    await recordAudit(tx, ctx, { action: 'user.reactivated', entityType: 'user', entityId: id, before, after });
    return after;
  }));
}

/**
 * Admin reset: the current password stops working, sessions end, and the person receives a
 * one-time link (also shown to the admin, for when email is not an option).
 */
export async function resetUserPassword(ctx: ServiceContext, id: string): Promise<{ user: User; link: string; hours: number }> {
  assertCan(ctx.actor, 'users.manage');
  return inTransaction(ctx, async (tx) => {
    const before = await lockUserById(tx, id);
    if (!before) throw new NotFoundError();
    if (!before.active) throw new ConflictError(t('errors.conflictTitle'));
    const after = await updateUser(tx, id, { passwordHash: null });
    const endedSessions = await deleteSessionsOfUser(tx, id);
    const { link, hours, tokenId } = await issueLink(tx, ctx, 'password_reset', id);
    await queueEmail(tx, {
      to: after.email,
      template: 'password_reset',
      data: { link, hours, displayName: after.displayName, email: after.email },
      idempotencyKey: `password-reset-${tokenId}`,
    });
    await recordAudit(tx, ctx, { action: 'user.password_reset', entityType: 'user', entityId: id, metadata: { endedSessions } });
    return { user: after, link, hours };
  });
}
