import fs from 'node:fs';
import type { Command } from 'commander';
import type { MappingView } from '../../map/mapping-service.js';
import type { SourceView } from '../../sources/source-service.js';
import type { ApiClient } from '../client.js';
import { printObject, printRows } from '../output.js';

const environmentPath = (source: string, env: string) =>
  `/v1/sources/${encodeURIComponent(source)}/environments/${encodeURIComponent(env)}`;

/** Reads a JSON argument given inline or as @file. */
function readJson(value: string): unknown {
  const text = value.startsWith('@') ? fs.readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Invalid JSON in ${value.startsWith('@') ? value.slice(1) : 'argument'}: ${(error as Error).message}`,
    );
  }
}

export function registerMappingCommands(program: Command, client: () => ApiClient): void {
  const mappings = program
    .command('mappings')
    .description('Manage the action mappings of a source environment.');

  mappings
    .command('list <source>')
    .description('List mappings in execution order.')
    .option('--env <environment>', 'environment', 'development')
    .option('--type <event type>', 'only this event type')
    .option('--json', 'print JSON')
    .action(async (source: string, options: { env: string; type?: string; json?: boolean }) => {
      const query = options.type ? `?event_type=${encodeURIComponent(options.type)}` : '';
      const { data } = await client().request<{ data: MappingView[] }>(
        'GET',
        `${environmentPath(source, options.env)}/mappings${query}`,
      );
      printRows(
        data as unknown as Record<string, unknown>[],
        ['id', 'event_type', 'action_type', 'active', 'default_key'],
        options.json ?? false,
        data,
      );
    });

  mappings
    .command('create <source> <event-type> <action-type>')
    .description('Create a mapping; parameters are value specs as JSON (inline or @file).')
    .requiredOption('--parameters <json>', 'parameter specs, e.g. {"id":"body.data.id"}')
    .option(
      '--conditions <json>',
      'conditions, e.g. [{"path":"body.data.state","operator":"equal_to","value":"active"}]',
    )
    .option('--inactive', 'create it switched off')
    .option('--env <environment>', 'environment', 'development')
    .option('--json', 'print JSON')
    .action(
      async (
        source: string,
        eventType: string,
        actionType: string,
        options: {
          parameters: string;
          conditions?: string;
          inactive?: boolean;
          env: string;
          json?: boolean;
        },
      ) => {
        const mapping = await client().request<MappingView>(
          'POST',
          `${environmentPath(source, options.env)}/mappings`,
          {
            event_type: eventType,
            action_type: actionType,
            parameters: readJson(options.parameters),
            ...(options.conditions ? { conditions: readJson(options.conditions) } : {}),
            active: !options.inactive,
          },
        );
        if (options.json) return printObject(mapping);
        console.log(
          `Created mapping ${mapping.id}: ${mapping.event_type} → ${mapping.action_type}`,
        );
      },
    );

  mappings
    .command('update <source> <id>')
    .description('Update a mapping: parameters, conditions, or switch it on or off.')
    .option('--parameters <json>', 'new parameter specs (inline JSON or @file)')
    .option('--conditions <json>', 'new conditions (inline JSON or @file)')
    .option('--active <on|off>', 'switch the mapping on or off')
    .option('--env <environment>', 'environment', 'development')
    .option('--json', 'print JSON')
    .action(
      async (
        source: string,
        id: string,
        options: {
          parameters?: string;
          conditions?: string;
          active?: string;
          env: string;
          json?: boolean;
        },
      ) => {
        const patch: Record<string, unknown> = {};
        if (options.parameters) patch.parameters = readJson(options.parameters);
        if (options.conditions) patch.conditions = readJson(options.conditions);
        if (options.active !== undefined) patch.active = parseSwitch(options.active);
        const mapping = await client().request<MappingView>(
          'PATCH',
          `${environmentPath(source, options.env)}/mappings/${encodeURIComponent(id)}`,
          patch,
        );
        if (options.json) return printObject(mapping);
        console.log(`Updated mapping ${mapping.id} (${mapping.active ? 'active' : 'inactive'}).`);
      },
    );

  mappings
    .command('delete <source> <id>')
    .description('Delete a mapping.')
    .option('--env <environment>', 'environment', 'development')
    .action(async (source: string, id: string, options: { env: string }) => {
      await client().request(
        'DELETE',
        `${environmentPath(source, options.env)}/mappings/${encodeURIComponent(id)}`,
      );
      console.log(`Deleted mapping ${id}.`);
    });

  program
    .command('replay <source> [event-id]')
    .description(
      'Run the mappings of one stored event, or of every event matching the filters, again.',
    )
    .option('--env <environment>', 'environment', 'development')
    .option('--type <event type>', 'only this event type')
    .option('--status <status>', 'only events with this status, e.g. failed')
    .option('--since <time>', 'received at or after this ISO-8601 time')
    .option('--until <time>', 'received before this ISO-8601 time')
    .option('--limit <n>', 'at most this many events (up to 500)', (value) => Number(value))
    .option('--all', 'replay every event of the environment when no filter is given')
    .option('--json', 'print JSON')
    .action(
      async (
        source: string,
        eventId: string | undefined,
        options: {
          env: string;
          type?: string;
          status?: string;
          since?: string;
          until?: string;
          limit?: number;
          all?: boolean;
          json?: boolean;
        },
      ) => {
        const filtered = options.type || options.status || options.since || options.until;
        if (!eventId && !filtered && !options.all) {
          throw new Error(
            'Name an event id, give a filter (--type, --status, --since, --until), or pass --all to replay every event.',
          );
        }
        const base = environmentPath(source, options.env);
        const results = eventId
          ? [
              await client().request<Record<string, unknown>>(
                'POST',
                `${base}/events/${encodeURIComponent(eventId)}/replay`,
              ),
            ]
          : (
              await client().request<{ data: Record<string, unknown>[] }>(
                'POST',
                `${base}/events/replay`,
                {
                  ...(options.type ? { event_type: options.type } : {}),
                  ...(options.status ? { status: options.status } : {}),
                  ...(options.since ? { since: options.since } : {}),
                  ...(options.until ? { until: options.until } : {}),
                  ...(options.limit ? { limit: options.limit } : {}),
                },
              )
            ).data;
        printRows(
          results,
          ['event_id', 'status', 'run', 'actions', 'failed_actions'],
          options.json ?? false,
          results,
        );
      },
    );

  program
    .command('rehearse <source>')
    .description(
      'Show what the mappings would do for a stored event or a sample body, without side effects.',
    )
    .option('--event <id>', 'a stored event id')
    .option('--body <json>', 'a sample body (inline JSON or @file)')
    .option('--type <event type>', 'event type, when the body does not carry one')
    .option('--env <environment>', 'environment', 'development')
    .action(
      async (
        source: string,
        options: { event?: string; body?: string; type?: string; env: string },
      ) => {
        const result = await client().request(
          'POST',
          `${environmentPath(source, options.env)}/rehearse`,
          {
            ...(options.event ? { event_id: options.event } : {}),
            ...(options.body ? { body: readJson(options.body) } : {}),
            ...(options.type ? { event_type: options.type } : {}),
          },
        );
        printObject(result);
        // A rehearsal that finds errors fails the command, so scripts and CI can check mappings.
        if ((result as { status?: string }).status === 'error') process.exitCode = 1;
      },
    );
}

export function registerEventTypeCommands(program: Command, client: () => ApiClient): void {
  const eventTypes = program
    .command('event-types')
    .description('See the event types a source environment received, and switch types on or off.');

  eventTypes
    .command('list <source>')
    .description('List event types received, with counts and the last time each arrived.')
    .option('--env <environment>', 'environment', 'development')
    .option('--json', 'print JSON')
    .action(async (source: string, options: { env: string; json?: boolean }) => {
      const api = client();
      const { data } = await api.request<{ data: Record<string, unknown>[] }>(
        'GET',
        `${environmentPath(source, options.env)}/event-types`,
      );
      const view = await api.request<SourceView>(
        'GET',
        `/v1/sources/${encodeURIComponent(source)}`,
      );
      const disabled = new Set(
        view.environments.find((env) => env.environment === options.env)?.disabled_event_types ??
          [],
      );
      const rows: Record<string, unknown>[] = data.map((row) => ({
        ...row,
        enabled: !disabled.has(String(row.event_type)),
      }));
      const received = new Set(data.map((row) => String(row.event_type)));
      for (const type of disabled) {
        if (!received.has(type))
          rows.push({ event_type: type, count: 0, last_received_at: null, enabled: false });
      }
      printRows(
        rows,
        ['event_type', 'enabled', 'count', 'last_received_at'],
        options.json ?? false,
        rows,
      );
    });

  for (const [command, field] of [
    ['disable', 'disabled_event_types'],
    ['enable', 'enabled_event_types'],
  ] as const) {
    eventTypes
      .command(`${command} <source> <event-types...>`)
      .description(
        command === 'disable'
          ? 'Switch off event types: their events are recorded as skipped and run no actions.'
          : 'Switch event types back on, so their events run their mappings again.',
      )
      .option('--env <environment>', 'environment', 'development')
      .action(async (source: string, types: string[], options: { env: string }) => {
        const api = client();
        const { provider } = await api.request<SourceView>(
          'GET',
          `/v1/sources/${encodeURIComponent(source)}`,
        );
        const catalogue = await api.request<{ data: { type: string }[] }>(
          'GET',
          `/v1/providers/${provider}/event-types`,
        );
        const known = new Set(catalogue.data.map((info) => info.type));
        for (const type of types.filter((candidate) => !known.has(candidate))) {
          console.warn(`Note: "${type}" is not an event type ${provider} is known to send.`);
        }
        const view = await api.request<{ disabled_event_types: string[] }>(
          'PUT',
          environmentPath(source, options.env),
          { [field]: types },
        );
        console.log(
          `Switched off in ${source}/${options.env}: ${view.disabled_event_types.join(', ') || 'none'}`,
        );
      });
  }
}

const SWITCH_VALUES: Record<string, boolean> = {
  on: true,
  off: false,
  true: true,
  false: false,
  yes: true,
  no: false,
};

function parseSwitch(value: string): boolean {
  const parsed = SWITCH_VALUES[value.toLowerCase()];
  if (parsed === undefined) throw new Error(`--active must be on or off, not "${value}".`);
  return parsed;
}
