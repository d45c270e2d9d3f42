import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { formatIssues, parseWorkflowDefinition } from '../../workflows/definition.js';
import type { TriggerResult } from '../../workflows/trigger.js';
import type { WorkflowView } from '../../workflows/workflow-store.js';
import type { ApiClient } from '../client.js';
import { cliExtensions } from '../extensions.js';
import { printRows } from '../output.js';

/** Writes one line of command output; tests pass their own to read the report. */
export type Print = (line: string) => void;

const WORKFLOW_FILE = /\.(json|ya?ml)$/i;

/** A workflow file read from disk, with its key and body or the reason it is invalid. */
interface WorkflowFile {
  file: string;
  key?: string;
  body?: Record<string, unknown>;
  problem?: string;
}

/** Registers `inlet workflows list|show|push|pull|trigger|cancel`. */
export function registerWorkflowCommands(
  program: Command,
  client: () => ApiClient,
  print: Print = console.log,
): void {
  const workflows = program
    .command('workflows')
    .description('Manage workflow definitions and trigger workflows.');

  workflows
    .command('list')
    .description('List workflows.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { data } = await client().request<{ data: WorkflowView[] }>('GET', '/v1/workflows');
      if (options.json) return print(JSON.stringify(data, null, 2));
      const rows = data.map((workflow) => ({
        ...workflow,
        steps: workflow.steps.length,
        categories: workflow.categories.join(','),
      }));
      printRows(
        rows,
        ['key', 'name', 'active', 'steps', 'categories', 'version', 'updated_at'],
        false,
      );
    });

  workflows
    .command('show <key>')
    .description('Show a workflow definition as YAML.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      const workflow = await client().request<WorkflowView>(
        'GET',
        `/v1/workflows/${encodeURIComponent(key)}`,
      );
      print(
        options.json
          ? JSON.stringify(workflow, null, 2)
          : YAML.stringify(toFileBody(workflow), { lineWidth: 0 }).trimEnd(),
      );
    });

  workflows
    .command('push <dir>')
    .description(
      'Validate every *.json, *.yaml and *.yml file in <dir> (one workflow each) and, if all are valid, save them.',
    )
    .option('--dry-run', 'validate only')
    .action(async (dir: string, options: { dryRun?: boolean }) =>
      pushWorkflows(client, dir, options.dryRun === true, print),
    );

  workflows
    .command('pull <dir>')
    .description('Write every workflow to <dir> as <key>.yaml (or <key>.json with --format json).')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (dir: string, options: { format: string }) =>
      pullWorkflows(client, dir, options.format, print),
    );

  workflows
    .command('trigger <key>')
    .description('Trigger a workflow for one or more recipients.')
    .requiredOption('--recipients <ids>', 'comma-separated user ids')
    .option('--data <json>', 'trigger data as a JSON object', '{}')
    .option('--actor <id>', 'user id of the actor')
    .option('--tenant <id>', 'tenant id')
    .option('--cancellation-key <key>', 'key that cancels these runs later')
    .option('--env <environment>', 'environment (default: the first configured one)')
    .option('--json', 'print JSON')
    .action(async (key: string, options: TriggerOptions) =>
      triggerWorkflow(client, key, options, print),
    );

  workflows
    .command('cancel <key>')
    .description('Cancel the active runs triggered with a cancellation key.')
    .requiredOption('--cancellation-key <key>', 'the cancellation key given at trigger')
    .option('--recipients <ids>', 'comma-separated user ids; default: every recipient')
    .option('--env <environment>', 'environment (default: the first configured one)')
    .action(
      async (
        key: string,
        options: { cancellationKey: string; recipients?: string; env?: string },
      ) => {
        const result = await client().request<{ cancelled_run_ids: string[] }>(
          'POST',
          `/v1/workflows/${encodeURIComponent(key)}/cancel${environmentQuery(options.env)}`,
          {
            cancellation_key: options.cancellationKey,
            ...(options.recipients ? { recipients: splitList(options.recipients) } : {}),
          },
        );
        print(`Cancelled ${result.cancelled_run_ids.length} run(s).`);
      },
    );
}

interface TriggerOptions {
  recipients: string;
  data: string;
  actor?: string;
  tenant?: string;
  cancellationKey?: string;
  env?: string;
  json?: boolean;
}

/** Reads and validates every workflow file, then saves them all, or none when one is invalid. */
async function pushWorkflows(
  client: () => ApiClient,
  dir: string,
  dryRun: boolean,
  print: Print,
): Promise<void> {
  const files = readWorkflowFiles(dir);
  if (files.length === 0) throw new Error(`No *.json, *.yaml or *.yml files in ${dir}.`);

  for (const file of files)
    print(
      file.problem === undefined
        ? `${file.file}: valid (${file.key})`
        : `${file.file}: invalid: ${file.problem}`,
    );
  const invalid = files.filter((file) => file.problem !== undefined).length;
  if (invalid > 0)
    throw new Error(`${invalid} of ${files.length} workflow files are invalid; nothing was saved.`);
  if (dryRun) return;

  const api = client();
  for (const file of files) {
    const saved = await api.request<WorkflowView>(
      'PUT',
      `/v1/workflows/${encodeURIComponent(file.key!)}`,
      file.body,
    );
    print(`${file.file}: saved ${saved.key} as version ${saved.version}`);
  }
  print(`Pushed ${files.length} workflow(s).`);
}

function readWorkflowFiles(dir: string): WorkflowFile[] {
  const names = fs
    .readdirSync(dir)
    .filter((name) => WORKFLOW_FILE.test(name))
    .sort();
  const files = names.map((name) => readWorkflowFile(dir, name));

  const seen = new Map<string, string>();
  for (const file of files) {
    if (file.key === undefined || file.problem !== undefined) continue;
    const first = seen.get(file.key);
    if (first !== undefined) file.problem = `key "${file.key}" is also defined in ${first}`;
    else seen.set(file.key, file.file);
  }
  return files;
}

/** Parses one file; the key is the file's `key` field, or else its name without the extension. */
function readWorkflowFile(dir: string, name: string): WorkflowFile {
  const text = fs.readFileSync(path.join(dir, name), 'utf8');
  let body: unknown;
  try {
    body = /\.json$/i.test(name) ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    return {
      file: name,
      problem: `not valid ${/\.json$/i.test(name) ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { file: name, problem: 'the file must contain one workflow object' };
  }

  const record = body as Record<string, unknown>;
  const key = typeof record.key === 'string' ? record.key : name.replace(WORKFLOW_FILE, '');
  const result = parseWorkflowDefinition({ ...record, key });
  if (!result.ok) return { file: name, key, problem: formatIssues(result.issues) };
  return { file: name, key, body: { ...record, key } };
}

async function pullWorkflows(
  client: () => ApiClient,
  dir: string,
  format: string,
  print: Print,
): Promise<void> {
  if (format !== 'yaml' && format !== 'json')
    throw new Error(`Unknown format "${format}"; use yaml or json.`);
  const { data } = await client().request<{ data: WorkflowView[] }>('GET', '/v1/workflows');
  fs.mkdirSync(dir, { recursive: true });

  for (const workflow of data) {
    const body = toFileBody(workflow);
    const file = path.join(dir, `${workflow.key}.${format}`);
    fs.writeFileSync(
      file,
      format === 'json'
        ? `${JSON.stringify(body, null, 2)}\n`
        : YAML.stringify(body, { lineWidth: 0 }),
    );
    print(`Wrote ${file}`);
  }
  print(`Pulled ${data.length} workflow(s).`);
}

async function triggerWorkflow(
  client: () => ApiClient,
  key: string,
  options: TriggerOptions,
  print: Print,
): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(options.data);
  } catch (error) {
    throw new Error(`--data is not valid JSON: ${(error as Error).message}`);
  }
  const body = {
    recipients: splitList(options.recipients),
    data,
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.cancellationKey ? { cancellation_key: options.cancellationKey } : {}),
  };
  const result = await client().request<TriggerResult>(
    'POST',
    `/v1/workflows/${encodeURIComponent(key)}/trigger${environmentQuery(options.env)}`,
    body,
  );
  if (options.json) return print(JSON.stringify(result, null, 2));

  print(
    `Started ${result.workflow_run_ids.length} run(s): ${result.workflow_run_ids.join(', ') || 'none'}`,
  );
  for (const skipped of result.skipped_recipients)
    print(`Skipped ${JSON.stringify(skipped.recipient)}: ${skipped.reason}`);
}

/** Returns the definition fields of a workflow in file order, without version and timestamps. */
function toFileBody(workflow: WorkflowView): Record<string, unknown> {
  return {
    key: workflow.key,
    name: workflow.name,
    ...(workflow.description === null ? {} : { description: workflow.description }),
    active: workflow.active,
    categories: workflow.categories,
    steps: workflow.steps,
  };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function environmentQuery(environment: string | undefined): string {
  return environment === undefined ? '' : `?environment=${encodeURIComponent(environment)}`;
}

cliExtensions.push((program, client) => registerWorkflowCommands(program, client));
