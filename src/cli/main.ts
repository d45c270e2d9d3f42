import { Command, Option } from 'commander';
import { ConfigError, loadConfig, SETTINGS } from '../config.js';
import { startInlet } from '../start.js';
import { ApiClient, ApiError } from './client.js';
import { registerEventCommands } from './commands/events.js';
import { registerEventTypeCommands, registerMappingCommands } from './commands/mappings.js';
import { registerSendCommand } from './commands/send.js';
import { registerSourceCommands } from './commands/sources.js';
import './commands/workflows.js';
import { cliExtensions } from './extensions.js';

const program = new Command('inlet')
  .description('Receive, verify and record provider webhooks, and act on them.')
  .addOption(
    new Option('--url <url>', 'Inlet server URL (default: INLET_URL or http://127.0.0.1:$PORT)'),
  )
  .addOption(
    new Option(
      '--api-key <key>',
      'admin API key (default: INLET_API_KEY or the key in the data folder)',
    ),
  )
  .showHelpAfterError();

const settingsHelp = Object.values(SETTINGS)
  .map(
    (setting) =>
      `  ${setting.env.padEnd(36)} ${setting.description} [${setting.unit}; default: ${setting.default || 'empty'}]`,
  )
  .join('\n');

program
  .command('start')
  .description('Start the server: migrations, HTTP API, webhook receiver and worker.')
  .addHelpText('after', `\nSettings (environment variables):\n${settingsHelp}`)
  .action(async () => {
    const config = loadConfig();
    const running = await startInlet(config);
    if (running.inlet.generatedApiKey) {
      console.log(
        `Generated admin API key (shown once; also stored in ${config.dataDir}/admin-api-key):\n  ${running.inlet.generatedApiKey}`,
      );
    }
    const everywhere = config.host === '0.0.0.0' || config.host === '::';
    const scope = everywhere ? ' and on every other interface' : '';
    console.log(
      `Inlet listening on ${running.url}${scope} (database: ${running.inlet.database.kind})`,
    );
    const shutdown = (signal: string) => {
      running.inlet.log.info({ signal }, 'shutting down');
      void running.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

const client = () => new ApiClient(program.opts<{ url?: string; apiKey?: string }>());
registerSourceCommands(program, client);
registerEventCommands(program, client);
registerSendCommand(program, client);
registerMappingCommands(program, client);
registerEventTypeCommands(program, client);
for (const extend of cliExtensions) extend(program, client);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if (error instanceof ApiError) {
    console.error(`Error (${error.code}): ${error.message}`);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exitCode = 1;
});
