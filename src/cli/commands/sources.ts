import fs from 'node:fs';
import type { Command } from 'commander';
import type { SourceView } from '../../sources/source-service.js';
import type { ApiClient } from '../client.js';
import { printObject, printRows } from '../output.js';

export function registerSourceCommands(program: Command, client: () => ApiClient): void {
  const sources = program.command('sources').description('Create and inspect sources.');

  sources
    .command('create <key>')
    .description('Create a source (or update its name and description).')
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>', 'description')
    .option('--provider <provider>', 'provider of the webhooks', 'workos')
    .option('--no-default-mappings', 'do not install the provider default action mappings')
    .option('--json', 'print JSON')
    .action(
      async (
        key: string,
        options: {
          name: string;
          description?: string;
          provider: string;
          defaultMappings: boolean;
          json?: boolean;
        },
      ) => {
        const source = await client().request<SourceView>(
          'PUT',
          `/v1/sources/${encodeURIComponent(key)}`,
          {
            name: options.name,
            description: options.description ?? null,
            provider: options.provider,
            default_mappings: options.defaultMappings,
          },
        );
        if (options.json) return printObject(source);
        console.log(`Source ${source.key} (${source.provider}) is ready. Webhook URLs:`);
        for (const env of source.environments)
          console.log(`  ${env.environment.padEnd(12)} ${env.webhook_url}`);
        console.log(
          `Next: inlet sources secret set ${source.key} --env <environment> --secret <signing secret>`,
        );
      },
    );

  sources
    .command('list')
    .description('List sources.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { data } = await client().request<{ data: SourceView[] }>('GET', '/v1/sources');
      const rows = data.map((source) => ({
        ...source,
        environments: source.environments.map((env) => env.environment).join(','),
      }));
      printRows(
        rows,
        ['key', 'name', 'provider', 'environments', 'created_at'],
        options.json ?? false,
        data,
      );
    });

  sources
    .command('show <key>')
    .description('Show a source with its webhook URLs and secret hints.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      const source = await client().request<SourceView>(
        'GET',
        `/v1/sources/${encodeURIComponent(key)}`,
      );
      if (options.json) return printObject(source);
      console.log(`${source.key}: ${source.name} (${source.provider})`);
      if (source.description) console.log(source.description);
      const rows = source.environments.map((env) => ({
        environment: env.environment,
        webhook_url: env.webhook_url,
        secrets:
          env.signing_secrets
            .map(
              (secret) => secret.hint + (secret.expires_at ? ` (until ${secret.expires_at})` : ''),
            )
            .join(', ') || 'none',
        tolerance_s: env.tolerance_seconds,
      }));
      printRows(rows, ['environment', 'webhook_url', 'secrets', 'tolerance_s'], false);
    });

  const secret = sources.command('secret').description('Manage signing secrets.');
  secret
    .command('set <key>')
    .description(
      'Set the signing secret of a source environment; the previous one stays valid for the grace period.',
    )
    .option('--env <environment>', 'environment', 'development')
    .option(
      '--secret <secret>',
      'the secret (omit to read it from standard input, which keeps it out of shell history)',
    )
    .option('--grace <seconds>', 'seconds the previous secret stays valid', (value) =>
      Number(value),
    )
    .option('--json', 'print JSON')
    .action(
      async (
        key: string,
        options: { env: string; secret?: string; grace?: number; json?: boolean },
      ) => {
        const value = (options.secret ?? fs.readFileSync(0, 'utf8')).trim();
        const view = await client().request<{ signing_secrets: { hint: string }[] }>(
          'PUT',
          `/v1/sources/${encodeURIComponent(key)}/environments/${encodeURIComponent(options.env)}`,
          {
            signing_secret: value,
            ...(options.grace === undefined ? {} : { secret_grace_seconds: options.grace }),
          },
        );
        if (options.json) return printObject(view);
        console.log(
          `Signing secret for ${key}/${options.env} set (${view.signing_secrets[0]?.hint ?? ''}).`,
        );
      },
    );
}
