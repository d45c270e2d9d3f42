import type { Db, Tx } from '../db/database.js';
import type { Selectable } from 'kysely';
import type { MappingsTable } from '../act/tables.js';
import {
  ACTION_TYPES,
  actionOrder,
  knownParameters,
  requiredParameters,
  type ActionType,
} from '../act/action-types.js';
import { InletError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { conditionsSchema, type Condition } from './conditions.js';
import { validateSpec, type ValueSpec } from './value-spec.js';

export type MappingRow = Selectable<MappingsTable>;

export interface MappingInput {
  event_type: string;
  action_type: string;
  parameters: Record<string, ValueSpec>;
  conditions?: Condition[];
  active?: boolean;
}

export interface MappingView {
  id: string;
  event_type: string;
  action_type: ActionType;
  parameters: Record<string, ValueSpec>;
  conditions: Condition[];
  active: boolean;
  default_key: string | null;
  /**
   * Order among the mappings of one event type and action type. Mappings run grouped by action
   * type in a fixed order (identify before subscribe before trigger, for example), then by this.
   */
  position: number;
  created_at: string;
  updated_at: string;
}

export interface DefaultMapping extends MappingInput {
  /** Stable name of the default, so it is installed once and can be re-installed when deleted. */
  key: string;
}

const CACHE_TTL_MS = 1000;

/**
 * Stores and validates the action mappings of source environments. The active mappings of an
 * event type are cached for one second, and changes made through this process clear the cache
 * at once. Other processes sharing a PostgreSQL database pick up a change within that second.
 */
export class MappingService {
  private readonly cache = new Map<string, { mappings: MappingView[]; loadedAt: number }>();

  constructor(private readonly db: Db) {}

  /** Active mappings for one event type, in execution order. */
  async forEvent(
    environmentId: string,
    eventType: string,
    exec: Db | Tx = this.db,
  ): Promise<MappingView[]> {
    const key = `${environmentId} ${eventType}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && Date.now() - cached.loadedAt < CACHE_TTL_MS) return cached.mappings;

    const rows = await exec
      .selectFrom('mappings')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .where('event_type', '=', eventType)
      .where('active', '=', 1)
      .execute();
    const mappings = sortForExecution(rows.map(toView));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { mappings, loadedAt: Date.now() });
    return mappings;
  }

  async list(environmentId: string, filter: { event_type?: string } = {}): Promise<MappingView[]> {
    const rows = await this.db
      .selectFrom('mappings')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .$if(filter.event_type !== undefined, (query) =>
        query.where('event_type', '=', filter.event_type!),
      )
      .execute();
    return sortForExecution(rows.map(toView)).sort((a, b) =>
      a.event_type.localeCompare(b.event_type),
    );
  }

  async get(environmentId: string, id: string): Promise<MappingView> {
    const row = await this.db
      .selectFrom('mappings')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw notFound(`Mapping "${id}"`);
    return toView(row);
  }

  async create(
    environmentId: string,
    input: MappingInput,
    exec: Db | Tx = this.db,
    defaultKey: string | null = null,
  ): Promise<MappingView> {
    const { actionType, conditions } = validateMapping(input);
    const now = new Date().toISOString();
    const last = await exec
      .selectFrom('mappings')
      .select((eb) => eb.fn.max('position').as('position'))
      .where('source_environment_id', '=', environmentId)
      .executeTakeFirst();
    const row: MappingRow = {
      id: newId('map'),
      source_environment_id: environmentId,
      event_type: input.event_type,
      action_type: actionType,
      parameters: JSON.stringify(input.parameters),
      conditions: JSON.stringify(conditions),
      active: input.active === false ? 0 : 1,
      position: Number(last?.position ?? 0) + 1,
      default_key: defaultKey,
      created_at: now,
      updated_at: now,
    };
    await exec.insertInto('mappings').values(row).execute();
    this.cache.clear();
    return toView(row);
  }

  /** Applies a partial update; the merged mapping is validated as a whole. */
  async update(
    environmentId: string,
    id: string,
    patch: Partial<MappingInput>,
  ): Promise<MappingView> {
    const current = await this.get(environmentId, id);
    const merged: MappingInput = {
      event_type: patch.event_type ?? current.event_type,
      action_type: patch.action_type ?? current.action_type,
      parameters: patch.parameters ?? current.parameters,
      conditions: patch.conditions ?? current.conditions,
      active: patch.active ?? current.active,
    };
    const { actionType, conditions } = validateMapping(merged);
    await this.db
      .updateTable('mappings')
      .set({
        event_type: merged.event_type,
        action_type: actionType,
        parameters: JSON.stringify(merged.parameters),
        conditions: JSON.stringify(conditions),
        active: merged.active === false ? 0 : 1,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    this.cache.clear();
    return this.get(environmentId, id);
  }

  /**
   * Sets the order of the mappings of one event type to the order of `ids`, which must name each
   * of them once. Returns them in execution order.
   */
  async reorder(environmentId: string, eventType: string, ids: string[]): Promise<MappingView[]> {
    await this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('mappings')
        .select('id')
        .where('source_environment_id', '=', environmentId)
        .where('event_type', '=', eventType)
        .execute();
      const present = new Set(rows.map((row) => row.id));
      const requested = new Set(ids);
      if (
        requested.size !== ids.length ||
        requested.size !== present.size ||
        ids.some((id) => !present.has(id))
      ) {
        throw new InletError(
          'validation_failed',
          `"mapping_ids" must list each of the ${present.size} mappings of "${eventType}" once; reload the mappings and try again.`,
        );
      }
      for (const [index, id] of ids.entries()) {
        await tx
          .updateTable('mappings')
          .set({ position: index + 1 })
          .where('id', '=', id)
          .execute();
      }
    });
    this.cache.clear();
    return this.list(environmentId, { event_type: eventType });
  }

  async delete(environmentId: string, id: string): Promise<void> {
    await this.get(environmentId, id);
    await this.db.deleteFrom('mappings').where('id', '=', id).execute();
    this.cache.clear();
  }

  /** Installs the defaults whose key is not present yet; returns the mappings it created. */
  async installDefaults(
    environmentId: string,
    defaults: readonly DefaultMapping[],
    exec: Db | Tx = this.db,
  ): Promise<MappingView[]> {
    const present = await exec
      .selectFrom('mappings')
      .select('default_key')
      .where('source_environment_id', '=', environmentId)
      .where('default_key', 'is not', null)
      .execute();
    const installed = new Set(present.map((row) => row.default_key));
    const created: MappingView[] = [];
    for (const mapping of defaults.filter((candidate) => !installed.has(candidate.key))) {
      const { key, ...input } = mapping;
      created.push(await this.create(environmentId, input, exec, key));
    }
    return created;
  }
}

/**
 * Validates a mapping before it is stored: a known action type, every parameter a valid spec for
 * a parameter the action takes, every required parameter present, and valid conditions.
 */
export function validateMapping(input: MappingInput): {
  actionType: ActionType;
  conditions: Condition[];
} {
  const problems: string[] = [];
  if (
    typeof input.event_type !== 'string' ||
    input.event_type === '' ||
    input.event_type.length > 255
  ) {
    problems.push('event_type: must be a string of 1 to 255 characters');
  }
  if (!ACTION_TYPES.includes(input.action_type as ActionType)) {
    problems.push(`action_type: "${input.action_type}" is not one of ${ACTION_TYPES.join(', ')}`);
    throw validationError(problems);
  }
  const actionType = input.action_type as ActionType;
  const known = new Set(knownParameters(actionType));
  const parameters = input.parameters ?? {};

  for (const name of Object.keys(parameters)) {
    if (!known.has(name)) {
      problems.push(
        `parameters.${name}: ${actionType} has no such parameter; it takes ${[...known].join(', ')}`,
      );
    }
  }
  for (const name of requiredParameters(actionType)) {
    if (!Object.hasOwn(parameters, name))
      problems.push(`parameters.${name}: required by ${actionType}`);
  }
  for (const [name, spec] of Object.entries(parameters)) {
    problems.push(...validateSpec(spec, `parameters.${name}`));
  }

  const conditions = conditionsSchema.safeParse(input.conditions ?? []);
  if (!conditions.success) {
    for (const issue of conditions.error.issues)
      problems.push(`conditions.${issue.path.join('.')}: ${issue.message}`);
  }
  if (problems.length > 0) throw validationError(problems);
  return { actionType, conditions: conditions.success ? conditions.data : [] };
}

/** Problems listed in one error; a mapping with thousands of bad parameters gets a short reply. */
const MAX_LISTED_PROBLEMS = 50;

function validationError(problems: string[]): InletError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - listed.length;
  const summary = more > 0 ? [...listed, `and ${more} more problems`] : listed;
  return new InletError('validation_failed', `Invalid mapping: ${summary.join('; ')}`, {
    details: listed,
  });
}

function sortForExecution(views: MappingView[]): MappingView[] {
  return views.sort(
    (a, b) =>
      actionOrder(a.action_type) - actionOrder(b.action_type) ||
      a.position - b.position ||
      a.created_at.localeCompare(b.created_at) ||
      a.id.localeCompare(b.id),
  );
}

function toView(row: MappingRow): MappingView {
  return {
    id: row.id,
    event_type: row.event_type,
    action_type: row.action_type as ActionType,
    parameters: JSON.parse(row.parameters) as Record<string, ValueSpec>,
    conditions: JSON.parse(row.conditions) as Condition[],
    active: row.active === 1,
    default_key: row.default_key,
    position: Number(row.position),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
