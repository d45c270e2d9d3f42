import type { Command } from 'commander';
import type { EventDetail, EventSummary, Page } from '../../events/event-log.js';
import type { ApiClient } from '../client.js';
import { printObject, printRows } from '../output.js';

export function registerEventCommands(program: Command, client: () => ApiClient): void {
  const events = program.command('events').description('Read the event log.');

  events
    .command('list <source>')
    .description('List recorded events, newest first.')
    .option('--env <environment>', 'environment', 'development')
    .option('--type <event type>', 'only this event type')
    .option('--status <status>', 'only this status')
    .option('--since <time>', 'received at or after this ISO-8601 time')
    .option('--until <time>', 'received before this ISO-8601 time')
    .option('--limit <n>', 'page size (1 to 200)', '50')
    .option('--after <cursor>', 'cursor from the previous page')
    .option('--json', 'print JSON')
    .action(async (source: string, options: Record<string, string | boolean | undefined>) => {
      const query = new URLSearchParams();
      for (const [option, param] of [
        ['type', 'event_type'],
        ['status', 'status'],
        ['since', 'since'],
        ['until', 'until'],
        ['limit', 'limit'],
        ['after', 'after'],
      ] as const) {
        const value = options[option];
        if (typeof value === 'string') query.set(param, value);
      }
      const page = await client().request<Page<EventSummary>>(
        'GET',
        `/v1/sources/${encodeURIComponent(source)}/environments/${encodeURIComponent(String(options.env))}/events?${query}`,
      );
      printRows(
        page.data as unknown as Record<string, unknown>[],
        ['id', 'event_type', 'status', 'received_at', 'delivery_count'],
        options.json === true,
        page,
      );
      if (!options.json && page.next_cursor) console.log(`More: --after ${page.next_cursor}`);
    });

  events
    .command('show <source> <id>')
    .description('Show one event with its body, headers and actions.')
    .option('--env <environment>', 'environment', 'development')
    .option('--json', 'print JSON')
    .action(async (source: string, id: string, options: { env: string }) => {
      const event = await client().request<EventDetail>(
        'GET',
        `/v1/sources/${encodeURIComponent(source)}/environments/${encodeURIComponent(options.env)}/events/${encodeURIComponent(id)}`,
      );
      printObject(event);
    });
}
