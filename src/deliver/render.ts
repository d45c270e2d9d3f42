import { Liquid, type LiquidOptions, type Template } from 'liquidjs';

/** Variables visible to message templates. Each entry is JSON-shaped data. */
export interface TemplateScope {
  recipient: Record<string, unknown>;
  actor?: Record<string, unknown> | null;
  data: Record<string, unknown>;
  tenant?: Record<string, unknown> | null;
  workflow: Record<string, unknown>;
  /** Present when the workflow batches events into one message. */
  batch?: unknown;
}

export interface RenderTemplateOptions {
  /** Whether to HTML-escape every output. Templates opt out per value with `| raw`. */
  escapeHtml?: boolean;
  /** Name of the message field, such as `subject` or `html`, used in error messages. */
  field?: string;
}

/** A template that failed to parse or render. `field` names the message field it belongs to. */
export class TemplateError extends Error {
  override name = 'TemplateError';

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// NOTE: the limits below are estimates, not measured against real templates. They stop a
// runaway template, and because rendering is synchronous, one render can still block the
// event loop for up to renderLimit.
const ENGINE_OPTIONS: LiquidOptions = {
  strictFilters: true,
  strictVariables: false,
  // Hides prototype members such as `constructor` from templates.
  ownPropertyOnly: true,
  // An empty in-memory template map: include, render and layout tags cannot read files.
  templates: {},
  // The date filter formats in UTC unless the template passes a time zone.
  timezoneOffset: 0,
  // Maximum template length in characters.
  parseLimit: 100_000,
  // Maximum render time in ms per call.
  renderLimit: 1_000,
  // Maximum total of string characters and array items that filters and ranges create per render.
  memoryLimit: 10_000_000,
};

const MAX_CACHED_TEMPLATES = 500;

const textEngine = new Liquid(ENGINE_OPTIONS);
const htmlEngine = new Liquid({ ...ENGINE_OPTIONS, outputEscape: 'escape' });

// liquidjs 10 adds the outputEscape filter to each `{{ }}` output while parsing, so parsed
// templates differ between the engines and each engine has its own cache.
const textCache = new Map<string, Template[]>();
const htmlCache = new Map<string, Template[]>();

/**
 * Renders a Liquid template against `scope`. Unknown variables render as empty strings and
 * unknown filters are errors. Throws TemplateError naming `options.field` when the template
 * fails to parse, exceeds a limit, or fails to render.
 */
export function renderTemplate(
  template: string,
  scope: TemplateScope,
  options: RenderTemplateOptions = {},
): string {
  const field = options.field ?? 'template';
  const escapeHtml = options.escapeHtml === true;
  const engine = escapeHtml ? htmlEngine : textEngine;
  const parsed = parseCached(engine, escapeHtml ? htmlCache : textCache, template, field);

  // Only the documented scope keys reach the template, whatever else the caller's object has.
  const variables = {
    recipient: scope.recipient,
    actor: scope.actor ?? null,
    data: scope.data,
    tenant: scope.tenant ?? null,
    workflow: scope.workflow,
    batch: scope.batch,
  };

  try {
    return String(engine.renderSync(parsed, variables));
  } catch (error) {
    throw new TemplateError(
      field,
      `The ${field} template failed to render: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

function parseCached(
  engine: Liquid,
  cache: Map<string, Template[]>,
  template: string,
  field: string,
): Template[] {
  const cached = cache.get(template);
  if (cached !== undefined) {
    // Re-insert so Map order stays least recently used first.
    cache.delete(template);
    cache.set(template, cached);
    return cached;
  }

  let parsed: Template[];
  try {
    parsed = engine.parse(template);
  } catch (error) {
    throw new TemplateError(
      field,
      `The ${field} template is invalid Liquid: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }

  cache.set(template, parsed);
  if (cache.size > MAX_CACHED_TEMPLATES) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
  }
  return parsed;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
