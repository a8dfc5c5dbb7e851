import { z } from 'zod';
import { NotFoundError } from '../lib/errors';
import { findDevMail, listDevMails } from '../models/messaging.model';
import type { ServiceContext } from './context';
import { assertCan } from './permissions';

export const DEV_MAIL_PAGE_SIZE = 30;

const querySchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

export async function listDevMailbox(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'devMail.read');
  const query = querySchema.parse(rawQuery ?? {});
  const { rows, total } = await listDevMails(ctx.db, {
    q: query.q || undefined,
    limit: DEV_MAIL_PAGE_SIZE,
    offset: (query.page - 1) * DEV_MAIL_PAGE_SIZE,
  });
  return { query, rows, total, page: query.page, pageCount: Math.max(1, Math.ceil(total / DEV_MAIL_PAGE_SIZE)) };
}

export async function readDevMail(ctx: ServiceContext, id: string) {
  assertCan(ctx.actor, 'devMail.read');
  const mail = z.uuid().safeParse(id).success ? await findDevMail(ctx.db, id) : undefined;
  if (!mail) throw new NotFoundError();
  return mail;
}
