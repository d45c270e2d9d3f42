/**
 * A recipient's notification preferences. Each entry is `true`/`false`, or an object whose
 * `channel_types` opts out of some channel types only: `{billing: {channel_types: {email: false}}}`.
 * A missing entry means opted in.
 */
export interface PreferenceSet {
  workflows?: Record<string, PreferenceSetting>;
  categories?: Record<string, PreferenceSetting>;
  channel_types?: Record<string, boolean>;
}

export type PreferenceSetting = boolean | { channel_types?: Record<string, boolean> };

export type PreferenceDecision = { allowed: true } | { allowed: false; rule: string };

/**
 * Decides whether a channel step may send to the recipient. The workflow entry is checked
 * first, then each of the workflow's categories, then the channel type. The first opt-out wins
 * and is returned as a rule such as `categories.billing.channel_types.email is false`.
 */
export function checkPreferences(
  preferences: PreferenceSet | undefined,
  workflow: { key: string; categories: readonly string[] },
  channelType: string,
): PreferenceDecision {
  if (preferences === undefined) return { allowed: true };

  const workflowRule = checkSetting(preferences.workflows, workflow.key, 'workflows', channelType);
  if (workflowRule !== undefined) return { allowed: false, rule: workflowRule };

  for (const category of workflow.categories) {
    const categoryRule = checkSetting(preferences.categories, category, 'categories', channelType);
    if (categoryRule !== undefined) return { allowed: false, rule: categoryRule };
  }

  if (preferences.channel_types?.[channelType] === false) {
    return { allowed: false, rule: `channel_types.${channelType} is false` };
  }
  return { allowed: true };
}

/** Reads a preference set from stored JSON, ignoring entries of the wrong shape. */
export function toPreferenceSet(value: unknown): PreferenceSet | undefined {
  if (!isRecord(value)) return undefined;
  return {
    workflows: isRecord(value.workflows)
      ? (value.workflows as Record<string, PreferenceSetting>)
      : undefined,
    categories: isRecord(value.categories)
      ? (value.categories as Record<string, PreferenceSetting>)
      : undefined,
    channel_types: isRecord(value.channel_types)
      ? (value.channel_types as Record<string, boolean>)
      : undefined,
  };
}

function checkSetting(
  settings: Record<string, PreferenceSetting> | undefined,
  name: string,
  group: string,
  channelType: string,
): string | undefined {
  if (settings === undefined || !Object.hasOwn(settings, name)) return undefined;
  const setting = settings[name];
  if (setting === false) return `${group}.${name} is false`;
  if (
    isRecord(setting) &&
    isRecord(setting.channel_types) &&
    setting.channel_types[channelType] === false
  ) {
    return `${group}.${name}.channel_types.${channelType} is false`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
