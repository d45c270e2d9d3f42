import { Liquid } from 'liquidjs';
import { z } from 'zod';
import { durationSeconds, type Duration } from './duration.js';
import { checkRunPath, type RunPathRoot } from './run-path.js';

export const CHANNEL_TYPES = ['email', 'chat', 'webhook', 'in_app_feed'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CONDITION_OPERATORS = [
  'equal_to',
  'not_equal_to',
  'greater_than',
  'less_than',
  'contains',
  'not_contains',
  'exists',
  'not_exists',
  'is_in',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  path: string;
  operator: ConditionOperator;
  value?: unknown;
}

interface StepBase {
  ref: string;
  name?: string;
  description?: string;
}

export interface InAppFeedStep extends StepBase {
  type: 'in_app_feed';
  channel: string;
  template: { markdown?: string; body?: string; action_url?: string };
}

export interface EmailStep extends StepBase {
  type: 'email';
  channel: string;
  template: { subject: string; html_body?: string; text_body?: string };
}

export interface ChatStep extends StepBase {
  type: 'chat';
  channel: string;
  template: { text: string };
}

export interface WebhookStep extends StepBase {
  type: 'webhook';
  channel: string;
  /** `body` is a JSON object whose string values are Liquid templates. */
  template: { body: Record<string, unknown> };
}

export interface DelayStep extends StepBase {
  type: 'delay';
  duration?: Duration;
  /** Path to an ISO-8601 time in the data or the recipient; the run waits until then. */
  until_path?: string;
}

export interface BatchStep extends StepBase {
  type: 'batch';
  window: Duration;
  key_path?: string;
  max_items: number;
}

export interface Branch {
  name: string;
  conditions: Condition[];
  match: 'all' | 'any';
  steps: Step[];
}

export interface BranchStep extends StepBase {
  type: 'branch';
  branches: Branch[];
  default_steps?: Step[];
}

export interface ThrottleStep extends StepBase {
  type: 'throttle';
  window: Duration;
  limit: number;
  key_path?: string;
}

export type ChannelStep = InAppFeedStep | EmailStep | ChatStep | WebhookStep;
export type FunctionStep = DelayStep | BatchStep | BranchStep | ThrottleStep;
export type Step = ChannelStep | FunctionStep;

/** A validated workflow as stored; `key` comes from the URL or the file. */
export interface WorkflowDefinition {
  name: string;
  description: string | null;
  active: boolean;
  categories: string[];
  steps: Step[];
}

export const DEFAULT_BATCH_MAX_ITEMS = 1000;
/** Maximum number of steps in a workflow, counting the steps inside branches. */
export const MAX_STEPS = 200;
/** Maximum nesting of branch steps inside branch steps. */
export const MAX_BRANCH_DEPTH = 5;

export const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const CATEGORY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_TEMPLATE_LENGTH = 100_000;

// Parses templates at save time with the options that decide what parses in deliver/render.ts:
// unknown filters are errors there as well, and both reject templates above 100,000 characters.
const templateParser = new Liquid({ strictFilters: true, parseLimit: MAX_TEMPLATE_LENGTH });

function parseTemplate(template: string, context: z.RefinementCtx): void {
  try {
    templateParser.parse(template);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: `invalid Liquid template: ${reason}`,
    });
  }
}

const liquidTemplate = z.string().max(MAX_TEMPLATE_LENGTH).superRefine(parseTemplate);

const keySchema = z
  .string()
  .regex(
    KEY_PATTERN,
    'use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  );

const channelKey = keySchema;

const durationSchema = z.union([z.string(), z.number()]).superRefine((value, context) => {
  const seconds = durationSeconds(value);
  if (typeof seconds === 'string')
    context.addIssue({ code: z.ZodIssueCode.custom, message: seconds });
});

function runPath(roots?: readonly RunPathRoot[]) {
  return z
    .string()
    .max(500)
    .superRefine((path, context) => {
      const problem = checkRunPath(path, roots);
      if (problem !== undefined)
        context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    });
}

/** Parses every string inside a webhook body as a template, reporting the path of each failure. */
const webhookBody = z.record(z.unknown()).superRefine((body, context) => {
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      try {
        templateParser.parse(value);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path,
          message: `invalid Liquid template: ${reason}`,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(body, []);
});

const VALUE_OPERATORS: readonly ConditionOperator[] = CONDITION_OPERATORS.filter(
  (operator) => operator !== 'exists' && operator !== 'not_exists',
);

const conditionSchema = z
  .object({
    path: runPath(),
    operator: z.enum(CONDITION_OPERATORS),
    value: z.unknown().optional(),
  })
  .strict()
  .superRefine((condition, context) => {
    if (VALUE_OPERATORS.includes(condition.operator) && condition.value === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['value'],
        message: `Required for operator "${condition.operator}"`,
      });
    }
    if (
      condition.operator === 'is_in' &&
      !Array.isArray(condition.value) &&
      typeof condition.value !== 'string'
    ) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['value'],
        message: 'must be an array or a string for operator "is_in"',
      });
    }
  });

const stepBase = {
  ref: z
    .string()
    .regex(REF_PATTERN, 'use 1 to 64 letters, digits, "-" or "_", starting with a letter or digit'),
  name: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
};

const stepList: z.ZodType<Step[], z.ZodTypeDef, unknown> = z.lazy(() =>
  z.array(stepSchema).max(MAX_STEPS),
);

const branchSchema = z
  .object({
    name: z.string().min(1).max(200),
    conditions: z.array(conditionSchema).min(1).max(50),
    match: z.enum(['all', 'any']).default('all'),
    steps: stepList,
  })
  .strict();

const stepSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...stepBase,
      type: z.literal('in_app_feed'),
      channel: channelKey.default('default'),
      template: z
        .object({
          markdown: liquidTemplate.optional(),
          body: liquidTemplate.optional(),
          action_url: liquidTemplate.optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('email'),
      channel: channelKey,
      template: z
        .object({
          subject: liquidTemplate,
          html_body: liquidTemplate.optional(),
          text_body: liquidTemplate.optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('chat'),
      channel: channelKey,
      template: z.object({ text: liquidTemplate }).strict(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('webhook'),
      channel: channelKey,
      template: z.object({ body: webhookBody }).strict(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('delay'),
      duration: durationSchema.optional(),
      until_path: runPath(['data', 'recipient']).optional(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('batch'),
      window: durationSchema,
      key_path: runPath().optional(),
      max_items: z
        .number()
        .int()
        .min(1)
        .max(DEFAULT_BATCH_MAX_ITEMS)
        .default(DEFAULT_BATCH_MAX_ITEMS),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('branch'),
      branches: z.array(branchSchema).min(1).max(20),
      default_steps: stepList.optional(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('throttle'),
      window: durationSchema,
      limit: z.number().int().min(1).max(1_000_000),
      key_path: runPath().optional(),
    })
    .strict(),
]);

const workflowSchema = z
  .object({
    key: keySchema.optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).nullable().default(null),
    active: z.boolean().default(true),
    categories: z
      .array(z.string().regex(CATEGORY_PATTERN, 'use 1 to 64 letters, digits, ".", "-" or "_"'))
      .max(50)
      .default([]),
    steps: stepList.refine((steps) => steps.length > 0, 'a workflow needs at least one step'),
  })
  .strict()
  .superRefine((workflow, context) =>
    checkStepTree(workflow.steps, ['steps'], 1, new Set(), context),
  );

/** Checks the rules that span fields: one of two fields, unique refs, step count and depth. */
function checkStepTree(
  steps: Step[],
  path: (string | number)[],
  depth: number,
  refs: Set<string>,
  context: z.RefinementCtx,
): void {
  steps.forEach((step, index) => {
    const at = [...path, index];
    if (refs.has(step.ref)) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: [...at, 'ref'],
        message: `duplicate ref "${step.ref}"; every step needs its own ref`,
      });
    }
    refs.add(step.ref);
    if (refs.size === MAX_STEPS + 1) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: at,
        message: `a workflow may have at most ${MAX_STEPS} steps, counting those inside branches`,
      });
    }
    checkStep(step, at, context);
    if (step.type !== 'branch') return;

    if (depth >= MAX_BRANCH_DEPTH) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: at,
        message: `branches may nest at most ${MAX_BRANCH_DEPTH} levels deep`,
      });
      return;
    }
    step.branches.forEach((branch, branchIndex) =>
      checkStepTree(
        branch.steps,
        [...at, 'branches', branchIndex, 'steps'],
        depth + 1,
        refs,
        context,
      ),
    );
    if (step.default_steps)
      checkStepTree(step.default_steps, [...at, 'default_steps'], depth + 1, refs, context);
  });
}

function checkStep(step: Step, at: (string | number)[], context: z.RefinementCtx): void {
  const issue = (field: string[], message: string) =>
    context.addIssue({ code: z.ZodIssueCode.custom, path: [...at, ...field], message });

  switch (step.type) {
    case 'in_app_feed':
      if (step.template.markdown === undefined && step.template.body === undefined) {
        issue(['template'], 'set "markdown" or "body"');
      }
      break;
    case 'email':
      if (step.template.html_body === undefined && step.template.text_body === undefined) {
        issue(['template'], 'set "html_body", "text_body" or both');
      }
      break;
    case 'delay':
      if ((step.duration === undefined) === (step.until_path === undefined)) {
        issue([], 'set exactly one of "duration" and "until_path"');
      }
      break;
  }
}

export interface ValidationIssue {
  /** Location of the problem, such as `steps[2] (ref "welcome-email").template.subject`. */
  path: string;
  message: string;
}

export type DefinitionResult =
  | { ok: true; key: string | undefined; definition: WorkflowDefinition }
  | { ok: false; issues: ValidationIssue[] };

/**
 * Validates a workflow definition, including parsing every Liquid template. Returns the
 * definition with defaults applied, or issues that name the step index, ref and field.
 */
export function parseWorkflowDefinition(input: unknown): DefinitionResult {
  const parsed = workflowSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => describeIssue(issue, input)) };
  }
  const { key, ...definition } = parsed.data;
  return { ok: true, key, definition };
}

/** Formats issues as one line each, for error messages and the CLI. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
    .join('; ');
}

/** Builds the readable location of an issue, adding each step's ref from the raw input. */
function describeIssue(issue: z.ZodIssue, input: unknown): ValidationIssue {
  let location = '';
  let value: unknown = input;
  let previous: string | number | undefined;

  for (const segment of issue.path) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string | number, unknown>)[segment]
        : undefined;
    if (typeof segment === 'number') {
      location += `[${segment}]`;
      const ref = (value as { ref?: unknown } | undefined)?.ref;
      const isStep = previous === 'steps' || previous === 'default_steps';
      if (isStep && typeof ref === 'string') location += ` (ref ${JSON.stringify(ref)})`;
    } else {
      location += location === '' ? segment : `.${segment}`;
    }
    previous = segment;
  }
  return { path: location, message: issue.message };
}

/** Visits every step of a tree, depth first in execution order. */
export function* walkSteps(steps: readonly Step[]): Generator<Step> {
  for (const step of steps) {
    yield step;
    if (step.type !== 'branch') continue;
    for (const branch of step.branches) yield* walkSteps(branch.steps);
    if (step.default_steps) yield* walkSteps(step.default_steps);
  }
}

export function isChannelStep(step: Step): step is ChannelStep {
  return (CHANNEL_TYPES as readonly string[]).includes(step.type);
}
