// Route parameters are checked once, for every router of the app, before any handler (and so
// any SQL) sees them: a value that cannot be one of our ids is a 404, like an id that exists
// nowhere. Routers register nothing themselves: `guardRouteParams(app)` walks the router
// stack after they are mounted, so a new route is covered by naming its parameters as below.
//
//   :id, :<thing>Id   a UUID (every table keyed by people-facing ids uses UUIDs)
//   :version          a positive integer
//   anything else     (codes, tokens, segments) printable text of at most 200 characters
import type { Express, NextFunction, Request, Response } from 'express';
import { NotFoundError } from '../lib/errors';
import { isUuid } from '../lib/validation';

const VERSION = /^[1-9]\d{0,8}$/;
// C0 and C1 control characters (NUL included) and lone surrogates: never part of a code or token.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a route parameter's value can be what its name says. */
export function isAcceptableParam(name: string, value: string): boolean {
  if (name === 'id' || name.endsWith('Id')) return isUuid(value);
  if (name === 'version') return VERSION.test(value);
  return value.length > 0 && value.length <= 200 && !UNPRINTABLE.test(value);
}

function checkParam(_req: Request, _res: Response, next: NextFunction, value: unknown, name: string): void {
  next(typeof value === 'string' && isAcceptableParam(name, value) ? undefined : new NotFoundError());
}

interface RouterLike {
  stack: LayerLike[];
  params: Record<string, unknown>;
  param(name: string, handler: typeof checkParam): unknown;
}
interface LayerLike {
  rawPath?: unknown;
  keys?: string[];
  route?: { path: string | string[] };
  handle?: Partial<RouterLike>;
}

const PARAM_NAME = /:([A-Za-z_][A-Za-z0-9_]*)/g;

function paramNamesOf(path: unknown): string[] {
  const paths = Array.isArray(path) ? path.flat(Infinity) : [path];
  return paths.flatMap((one) => (typeof one === 'string' ? [...one.matchAll(PARAM_NAME)].map((match) => match[1] as string) : []));
}

function isRouter(handle: Partial<RouterLike> | undefined): handle is RouterLike {
  return Array.isArray(handle?.stack) && typeof handle?.param === 'function' && typeof handle?.params === 'object';
}

/**
 * Registers the check for every parameter of every route (and mount path) in the app's routers.
 * `except`: mount paths of third-party routers whose ids are not ours (bull-board's job ids).
 */
export function guardRouteParams(app: Express, options: { except?: string[] } = {}): void {
  const except = new Set(options.except ?? []);
  const guard = (router: RouterLike) => {
    const names = new Set<string>();
    for (const layer of router.stack) {
      if (typeof layer.rawPath === 'string' && except.has(layer.rawPath)) continue;
      for (const name of paramNamesOf(layer.route ? layer.route.path : layer.rawPath)) names.add(name);
      if (isRouter(layer.handle)) guard(layer.handle);
    }
    for (const name of names) {
      const registered = router.params[name];
      if (Array.isArray(registered) && registered.includes(checkParam)) continue;
      router.param(name, checkParam);
    }
  };
  guard((app as unknown as { router: RouterLike }).router);
}
