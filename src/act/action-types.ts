import { z } from 'zod';

/**
 * The actions a mapping can run, in execution order. When one event has several mappings they
 * run in this order, whatever order they were created in: upserts before deletes, deletes before
 * subscriptions and audiences, and workflow triggers last, so a trigger reads the data the same
 * event just wrote.
 */
export const ACTION_TYPES = [
  'users_identify',
  'users_delete',
  'objects_set',
  'objects_delete',
  'tenants_set',
  'tenants_delete',
  'objects_subscribe',
  'objects_unsubscribe',
  'audiences_add_member',
  'audiences_remove_member',
  'workflows_cancel',
  'workflows_trigger',
] as const;

export type ActionType = (typeof ACTION_TYPES)[number];

export function actionOrder(type: string): number {
  const index = ACTION_TYPES.indexOf(type as ActionType);
  return index === -1 ? ACTION_TYPES.length : index;
}

const id = z.union([z.string().min(1).max(255), z.number().int()]).transform(String);
const optionalText = z.string().max(2048).nullable().optional();
const properties = z.record(z.unknown()).optional();
const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 time')
  .transform((value) => new Date(Date.parse(value)).toISOString())
  .optional();

/** A user id, or a list of them; a single id becomes a one-element list. */
const userIds = z
  .union([
    id,
    z
      .array(
        z.union([
          id,
          z
            .object({ id })
            .passthrough()
            .transform((user) => user.id),
        ]),
      )
      .min(1)
      .max(1000),
  ])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** A workflow recipient: a user id, an inline user `{id, …}` or an object `{collection, id}`. */
const recipient = z.union([
  id,
  z.object({ collection: z.string().min(1).max(255), id }).strict(),
  z.object({ id }).passthrough(),
]);
const recipients = z
  .union([recipient, z.array(recipient).min(1)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** Parameter schemas, applied to resolved values; a failure names the offending field. */
export const ACTION_SCHEMAS = {
  users_identify: z.object({
    id,
    name: optionalText,
    email: optionalText,
    phone_number: optionalText,
    avatar: optionalText,
    locale: optionalText,
    timezone: optionalText,
    properties,
    source_updated_at: isoTime,
  }),
  users_delete: z.object({ id, source_time: isoTime }),
  objects_set: z.object({
    collection: z.string().min(1).max(255),
    id,
    name: optionalText,
    properties,
    source_updated_at: isoTime,
  }),
  objects_delete: z.object({ collection: z.string().min(1).max(255), id, source_time: isoTime }),
  tenants_set: z.object({
    id,
    name: optionalText,
    properties,
    settings: properties,
    source_updated_at: isoTime,
  }),
  tenants_delete: z.object({ id, source_time: isoTime }),
  objects_subscribe: z.object({
    collection: z.string().min(1).max(255),
    id,
    recipients: userIds.refine(
      (list) => list.length <= 100,
      'at most 100 recipients per subscription call',
    ),
    properties,
    source_time: isoTime,
  }),
  objects_unsubscribe: z.object({
    collection: z.string().min(1).max(255),
    id,
    recipients: userIds,
    source_time: isoTime,
  }),
  audiences_add_member: z.object({
    audience: z.string().min(1).max(255),
    users: userIds,
    tenant: id.optional(),
  }),
  audiences_remove_member: z.object({
    audience: z.string().min(1).max(255),
    users: userIds,
    tenant: id.optional(),
  }),
  workflows_trigger: z.object({
    workflow: z.string().min(1).max(255),
    recipients,
    actor: recipient.optional(),
    data: properties,
    tenant: id.optional(),
    cancellation_key: z.string().min(1).max(255).optional(),
  }),
  workflows_cancel: z.object({
    workflow: z.string().min(1).max(255),
    cancellation_key: z.string().min(1).max(255),
    recipients: userIds.optional(),
  }),
} satisfies Record<ActionType, z.ZodTypeAny>;

export type ActionParameters<T extends ActionType> = z.output<(typeof ACTION_SCHEMAS)[T]>;

/** Names of the parameters each action requires, for validating mappings when they are saved. */
// zod's isOptional() parses undefined and builds an error each time, so the lists are computed once.
const REQUIRED_PARAMETERS = new Map(
  ACTION_TYPES.map((type) => {
    const shape = ACTION_SCHEMAS[type].shape as Record<string, z.ZodTypeAny>;
    const required = Object.entries(shape)
      .filter(([, schema]) => !schema.isOptional())
      .map(([name]) => name);
    return [type, required] as const;
  }),
);

export function requiredParameters(type: ActionType): string[] {
  return [...REQUIRED_PARAMETERS.get(type)!];
}

export function knownParameters(type: ActionType): string[] {
  return Object.keys(ACTION_SCHEMAS[type].shape);
}

/** One-line descriptions, served with the catalogue so mapping editors can explain each action. */
export const ACTION_DESCRIPTIONS: Record<ActionType, string> = {
  users_identify: 'Create or update a user, merging properties.',
  users_delete: 'Delete a user; a later, older update does not bring it back.',
  objects_set: 'Create or update an object in a collection.',
  objects_delete: 'Delete an object and its subscriptions.',
  tenants_set: 'Create or update a tenant.',
  tenants_delete: 'Delete a tenant.',
  objects_subscribe: 'Subscribe users to an object, creating the object when missing.',
  objects_unsubscribe: 'Remove users from the subscribers of an object.',
  audiences_add_member: 'Add users to an audience, creating the audience when missing.',
  audiences_remove_member: 'Remove users from an audience.',
  workflows_cancel: 'Cancel waiting runs of a workflow by cancellation key.',
  workflows_trigger: 'Start a workflow run for each recipient.',
};
