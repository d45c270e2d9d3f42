import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { InletError } from '../errors.js';
import { isUniqueViolation } from './db-errors.js';
import {
  formatIssues,
  KEY_PATTERN,
  parseWorkflowDefinition,
  type WorkflowDefinition,
} from './definition.js';
import type { WorkflowsTable } from './tables.js';

export interface WorkflowView extends WorkflowDefinition {
  key: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A definition pinned to the version a run executes. */
export interface WorkflowVersion extends WorkflowDefinition {
  key: string;
  version: number;
}

const MAX_CACHED_VERSIONS = 500;

/**
 * Stores workflow definitions, which every environment shares. Each save adds a version, and a
 * run executes the version current at its trigger, so editing a workflow never changes the steps
 * of a run that is waiting in a delay or batch.
 */
export class WorkflowStore {
  // Saved versions never change, so they can be cached without invalidation.
  private readonly versions = new Map<string, WorkflowVersion>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  /**
   * Validates and saves a workflow. Throws InletError `validation_failed` listing every problem
   * with its step and field, or when `input.key` differs from `key`.
   */
  async put(key: string, input: unknown): Promise<{ workflow: WorkflowView; created: boolean }> {
    assertWorkflowKey(key);
    const definition = validateDefinition(key, input);
    try {
      return await this.save(key, definition);
    } catch (error) {
      // Two saves of one key at once pick the same version number; the later one tries again.
      if (!isUniqueViolation(error)) throw error;
      return this.save(key, definition);
    }
  }

  private async save(
    key: string,
    definition: WorkflowDefinition,
  ): Promise<{ workflow: WorkflowView; created: boolean }> {
    const now = this.clock().toISOString();
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('workflows')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      const version = (await latestVersion(tx, key)) + 1;
      const row: Selectable<WorkflowsTable> = {
        key,
        name: definition.name,
        description: definition.description,
        active: definition.active ? 1 : 0,
        categories: JSON.stringify(definition.categories),
        steps: JSON.stringify(definition.steps),
        version,
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };

      if (existing === undefined) await tx.insertInto('workflows').values(row).execute();
      else await tx.updateTable('workflows').set(row).where('key', '=', key).execute();
      await tx
        .insertInto('workflow_versions')
        .values({
          workflow_key: key,
          version,
          definition: JSON.stringify(definition),
          created_at: now,
        })
        .execute();
      return { workflow: toView(row), created: existing === undefined };
    });
  }

  async get(key: string, exec: Db | Tx = this.db): Promise<WorkflowView> {
    const row = await exec
      .selectFrom('workflows')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    if (row === undefined) throw workflowNotFound(key);
    return toView(row);
  }

  async list(): Promise<WorkflowView[]> {
    const rows = await this.db.selectFrom('workflows').selectAll().orderBy('key').execute();
    return rows.map(toView);
  }

  /** Deletes the definition. Saved versions stay, so runs already triggered finish their steps. */
  async delete(key: string): Promise<void> {
    const result = await this.db.deleteFrom('workflows').where('key', '=', key).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw workflowNotFound(key);
  }

  /** Returns the current version of an active workflow, for a trigger. */
  async findTriggerable(exec: Db | Tx, key: string): Promise<WorkflowVersion> {
    const workflow = await this.get(key, exec);
    if (!workflow.active) {
      throw new InletError(
        'workflow_inactive',
        `Workflow "${key}" is inactive; set "active": true to trigger it.`,
      );
    }
    return { ...workflow, key, version: workflow.version };
  }

  /** Returns a saved version; throws when it does not exist, which means the tables were edited. */
  async loadVersion(exec: Db | Tx, key: string, version: number): Promise<WorkflowVersion> {
    const cacheKey = `${key}@${version}`;
    const cached = this.versions.get(cacheKey);
    if (cached !== undefined) return cached;

    const row = await exec
      .selectFrom('workflow_versions')
      .select('definition')
      .where('workflow_key', '=', key)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) throw new Error(`Version ${version} of workflow "${key}" is missing`);

    const loaded: WorkflowVersion = {
      ...(JSON.parse(row.definition) as WorkflowDefinition),
      key,
      version,
    };
    if (this.versions.size >= MAX_CACHED_VERSIONS)
      this.versions.delete(this.versions.keys().next().value!);
    this.versions.set(cacheKey, loaded);
    return loaded;
  }
}

export function workflowNotFound(key: string): InletError {
  return new InletError(
    'workflow_not_found',
    `Workflow "${key}" was not found; create it with PUT /v1/workflows/${key} or "inlet workflows push".`,
  );
}

function assertWorkflowKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new InletError(
      'validation_failed',
      `Workflow key "${key}" is invalid: use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
}

function validateDefinition(key: string, input: unknown): WorkflowDefinition {
  const result = parseWorkflowDefinition(input);
  if (!result.ok) {
    // A definition with thousands of problems gets the first ones, not a reply of megabytes.
    const listed = result.issues.slice(0, 100);
    throw new InletError(
      'validation_failed',
      `Workflow "${key}" is invalid: ${formatIssues(listed)}`,
      {
        details: { errors: listed, error_count: result.issues.length },
      },
    );
  }
  if (result.key !== undefined && result.key !== key) {
    throw new InletError(
      'validation_failed',
      `The body's key "${result.key}" differs from the workflow key "${key}" in the URL; make them equal or leave out the body's key.`,
    );
  }
  return result.definition;
}

async function latestVersion(tx: Tx, key: string): Promise<number> {
  const row = await tx
    .selectFrom('workflow_versions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('workflow_key', '=', key)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

function toView(row: Selectable<WorkflowsTable>): WorkflowView {
  return {
    key: row.key,
    name: row.name,
    description: row.description,
    active: row.active === 1,
    categories: JSON.parse(row.categories) as string[],
    steps: JSON.parse(row.steps) as WorkflowDefinition['steps'],
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
