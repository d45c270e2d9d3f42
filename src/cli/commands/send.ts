import type { Command } from 'commander';
import { getProvider } from '../../providers/registry.js';
import type { SourceView } from '../../sources/source-service.js';
import type { ApiClient } from '../client.js';
import { printObject } from '../output.js';

export function registerSendCommand(program: Command, client: () => ApiClient): void {
  program
    .command('send <source> <event-type>')
    .description(
      'Post a correctly signed sample delivery to a running server, like a provider test event.',
    )
    .option('--env <environment>', 'environment', 'development')
    .option(
      '--secret <secret>',
      'sign here with this secret and post to the webhook URL over HTTP; without it the server signs with its stored secret',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        sourceKey: string,
        eventType: string,
        options: { env: string; secret?: string; json?: boolean },
      ) => {
        const api = client();
        const source = await api.request<SourceView>(
          'GET',
          `/v1/sources/${encodeURIComponent(sourceKey)}`,
        );
        warnAboutSample(source.provider, eventType);
        const result = options.secret
          ? await postSigned(api, sourceKey, eventType, options.env, options.secret)
          : await api.request<unknown>(
              'POST',
              `/v1/sources/${encodeURIComponent(sourceKey)}/environments/${encodeURIComponent(options.env)}/test-events`,
              { event_type: eventType },
            );
        if (options.json) return printObject(result);
        const { id, status } = result as { id?: string; status?: string };
        console.log(
          `Delivered ${eventType} to ${sourceKey}/${options.env}: event ${id ?? '?'} (${status ?? 'unknown'}).`,
        );
      },
    );
}

async function postSigned(
  api: ApiClient,
  sourceKey: string,
  eventType: string,
  environment: string,
  secret: string,
): Promise<unknown> {
  const source = await api.request<SourceView>(
    'GET',
    `/v1/sources/${encodeURIComponent(sourceKey)}`,
  );
  const env = source.environments.find((candidate) => candidate.environment === environment);
  if (env === undefined)
    throw new Error(`Source ${sourceKey} has no environment "${environment}".`);
  const provider = getProvider(source.provider);
  const body = provider.sampleBody(eventType);
  const rawBody = Buffer.from(JSON.stringify(body, null, 2));
  // The webhook URL shows the public base; post to the server this CLI talks to instead.
  const path = new URL(env.webhook_url).pathname;
  const response = await fetch(`${api.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...provider.sign(rawBody, secret, Date.now()) },
    body: rawBody,
  });
  const answer = (await response.json()) as { code?: string; message?: string };
  if (!response.ok)
    throw new Error(
      `The server rejected the delivery with ${response.status} ${answer.code}: ${answer.message}`,
    );
  return answer;
}

/** Says on stderr when the sample is only a minimal envelope, or the type is not a known one. */
function warnAboutSample(providerKey: string, eventType: string): void {
  const provider = getProvider(providerKey);
  if (!provider.eventTypes.some((info) => info.type === eventType)) {
    console.warn(
      `Note: ${provider.displayName} is not known to send "${eventType}"; Inlet records it as ignored.`,
    );
  } else if (!provider.sampleEventTypes().includes(eventType)) {
    const samples = provider.sampleEventTypes().sort().join(', ');
    console.warn(
      `Note: no sample exists for ${eventType}, so the body is a minimal envelope. Samples exist for: ${samples}.`,
    );
  }
}
