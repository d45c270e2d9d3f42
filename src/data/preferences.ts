import { z } from 'zod';
import { InletError } from '../errors.js';

/** Channel types a workflow step can deliver to; preferences may switch each one off. */
export const CHANNEL_TYPES = ['email', 'in_app_feed', 'chat', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const toggles = z.record(z.string().min(1).max(255), z.boolean());

const preferencesSchema = z
  .object({
    /** Keyed by workflow key. */
    workflows: toggles.default({}),
    /** Keyed by workflow category name. */
    categories: toggles.default({}),
    channel_types: z
      .object({
        email: z.boolean(),
        in_app_feed: z.boolean(),
        chat: z.boolean(),
        webhook: z.boolean(),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();

/**
 * A user's notification preferences. A missing entry means no preference (allowed); `false` opts
 * the user out of that workflow, category or channel type.
 */
export type Preferences = z.output<typeof preferencesSchema>;

/**
 * Validates preferences and fills in missing groups. Throws `validation_failed` naming the field.
 */
export function parsePreferences(value: unknown): Preferences {
  const parsed = preferencesSchema.safeParse(value);
  if (parsed.success) return parsed.data;

  const problems = parsed.error.issues.map((issue) => {
    const field = ['preferences', ...issue.path].join('.');
    return `${field}: ${issue.message}`;
  });
  throw new InletError(
    'validation_failed',
    `Invalid preferences (${problems.join('; ')}). Send {"workflows": {"<key>": true|false}, "categories": {"<name>": true|false}, "channel_types": {"${CHANNEL_TYPES.join('|')}": true|false}}.`,
  );
}

/** Reads stored preferences; a user whose preferences were never set stores `{}`. */
export function readPreferences(stored: string): Preferences {
  return parsePreferences(JSON.parse(stored));
}
