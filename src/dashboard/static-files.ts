import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built dashboard: `vite build` writes it to dist/web, beside the compiled server. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** First path segments that belong to the API, never to the dashboard's client-side routes. */
const API_SEGMENTS = new Set(['v1', 'integrations', 'openapi.json', 'healthz']);

// The page loads only its own scripts and styles; HTML email previews render in sandboxed frames.
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * Serves the dashboard's files at "/". File names under assets/ carry a content hash, so they are
 * cached for a year; index.html is revalidated on every load. Returns false when the dashboard
 * was not built.
 */
export async function registerDashboard(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(`${DASHBOARD_DIR}index.html`)) return false;
  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(reply, filePath) {
      if (filePath.includes('/assets/')) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
        reply.header('x-content-type-options', 'nosniff');
      } else {
        for (const [name, value] of Object.entries(PAGE_HEADERS)) reply.header(name, value);
      }
    },
  });
  return true;
}

/**
 * Responds to a GET for a client-side route (such as /sources/crm/development) with the dashboard's
 * page, so a reload or a shared link opens that page. Returns false for anything else.
 */
export function sendDashboardPage(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (API_SEGMENTS.has(firstSegment(request.url))) return false;
  if (!acceptsHtml(request.headers.accept)) return false;
  void reply.sendFile('index.html');
  return true;
}

/**
 * Returns the first segment of a URL's path, decoded and lower-cased, as a lenient router could
 * read it: "//V1;x/sources" and "/%761/x" both give "v1".
 */
function firstSegment(url: string): string {
  const path = url.split('?')[0] ?? '';
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape is left as it is; such a path names no API route either.
  }
  const segment = decoded.replace(/^\/+/, '').split('/')[0] ?? '';
  return segment.split(';')[0]!.toLowerCase();
}

function acceptsHtml(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((range) => range.split(';')[0]!.trim().toLowerCase() === 'text/html');
}
