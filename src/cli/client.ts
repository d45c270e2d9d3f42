import { loadConfig } from '../config.js';
import { readStoredApiKey } from '../secrets/key-files.js';

export interface ClientOptions {
  url?: string;
  apiKey?: string;
}

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small client for the management API, used by the CLI. The server URL comes from --url,
 * INLET_URL or http://127.0.0.1:<PORT>; the key from --api-key, INLET_API_KEY or the key the
 * server stored in the data folder.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;

  constructor(options: ClientOptions) {
    const config = loadConfig();
    this.baseUrl = (
      options.url ??
      process.env.INLET_URL ??
      `http://127.0.0.1:${config.port}`
    ).replace(/\/+$/, '');
    this.apiKey = options.apiKey ?? (config.apiKey || readStoredApiKey(config.dataDir));
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (this.apiKey === undefined) {
      throw new ApiError(
        0,
        'unauthorized',
        'No admin API key: pass --api-key, set INLET_API_KEY, or run the CLI where the server keeps its data folder.',
      );
    }
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(
        0,
        'connection_failed',
        `Could not reach Inlet at ${this.baseUrl} (${(error as Error).message}). Is "inlet start" running?`,
      );
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; message?: string };
      throw new ApiError(
        response.status,
        error.code ?? 'http_error',
        error.message ?? `HTTP ${response.status}`,
      );
    }
    return parsed as T;
  }
}
