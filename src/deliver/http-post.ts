import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { DeliveryError } from './delivery-error.js';
import { checkDestination, type CheckedDestination } from './outbound-guard.js';

/** A receiver's response. `bodyText` contains at most the first MAX_RESPONSE_BODY_BYTES. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Deadline in ms for the whole exchange: connect, send, and read the response. */
  timeoutMs?: number;
  /** Outbound allow list. See checkDestination for the entry formats. */
  allow?: readonly string[];
}

/** Options that chat and webhook channels pass through to postRawJson. */
export type ChannelHttpOptions = Pick<PostOptions, 'allow' | 'timeoutMs'>;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BODY_BYTES = 4096;
export const USER_AGENT = 'Inlet';

/**
 * Serializes `body` as JSON and POSTs it to `url`. See postRawJson for the guarantees.
 * Throws TypeError when `body` has no JSON form (undefined, a function, a BigInt, a cycle).
 */
export async function postJson(
  url: string,
  body: unknown,
  options: PostOptions = {},
): Promise<HttpResponse> {
  const rawBody = JSON.stringify(body);
  if (rawBody === undefined) {
    throw new TypeError(
      'The request body has no JSON representation (it is undefined or a function).',
    );
  }
  return postRawJson(url, rawBody, options);
}

/**
 * POSTs an already serialized JSON body to `url` after checkDestination has approved it, and
 * returns the response whatever its status. The connection goes to the address that the
 * guard checked, so a later DNS response cannot redirect it. Redirects are never followed.
 *
 * Throws DeliveryError: the guard's codes, `timeout` after `timeoutMs`, `network_error` for
 * connection and TLS failures, and `invalid_request` when Node rejects a header.
 */
export async function postRawJson(
  url: string,
  rawBody: string | Buffer,
  options: PostOptions = {},
): Promise<HttpResponse> {
  const destination = await checkDestination(url, options.allow ?? []);
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return sendPost(destination, body, options);
}

function sendPost(
  destination: CheckedDestination,
  body: Buffer,
  options: PostOptions,
): Promise<HttpResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const origin = destination.url.origin;

  return new Promise((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = createRequest(destination, body.length, options.headers ?? {});
    } catch (error) {
      reject(
        new DeliveryError(
          'invalid_request',
          `The request to ${origin} is invalid: ${String(error)}`,
          {
            retryable: false,
            cause: error,
          },
        ),
      );
      return;
    }

    // Settles once. Errors that the socket emits after a timeout or a truncated read are ignored.
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };

    const timer = setTimeout(() => {
      settle(() =>
        reject(
          new DeliveryError(
            'timeout',
            `The request to ${origin} timed out after ${timeoutMs} ms.`,
            {
              retryable: true,
            },
          ),
        ),
      );
      request.destroy();
    }, timeoutMs);

    request.on('error', (error) => settle(() => reject(networkError(origin, error))));
    request.on('response', (response) => {
      readResponse(response).then(
        (result) => settle(() => resolve(result)),
        (error: Error) => settle(() => reject(networkError(origin, error))),
      );
    });
    request.end(body);
  });
}

function createRequest(
  destination: CheckedDestination,
  contentLength: number,
  headers: Record<string, string>,
): http.ClientRequest {
  const { url, hostname, address, family } = destination;
  const requestOptions: http.RequestOptions = {
    method: 'POST',
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    // Later keys win, and Node matches header names case-insensitively, so callers cannot
    // replace the content headers.
    headers: {
      'user-agent': USER_AGENT,
      ...headers,
      'content-type': 'application/json',
      'content-length': String(contentLength),
    },
    // A fresh agent per request: a pooled socket could belong to an earlier resolution.
    agent: false,
    lookup: pinnedLookup(address, family),
  };
  if (url.username !== '') {
    requestOptions.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }

  return url.protocol === 'https:' ? https.request(requestOptions) : http.request(requestOptions);
}

/** Returns a lookup function that resolves every host name to the address the guard checked. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) {
      callback(null, [{ address, family }]);
    } else {
      callback(null, address, family);
    }
  };
}

/** Reads up to MAX_RESPONSE_BODY_BYTES and then closes the connection. */
function readResponse(response: IncomingMessage): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;

    const finish = (): void => {
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        bodyText: Buffer.concat(chunks).toString('utf8'),
      });
    };

    response.on('data', (chunk: Buffer) => {
      const remaining = MAX_RESPONSE_BODY_BYTES - received;
      if (remaining > 0) chunks.push(chunk.subarray(0, remaining));
      received += chunk.length;
      if (received >= MAX_RESPONSE_BODY_BYTES) {
        finish();
        response.destroy();
      }
    });
    response.on('end', finish);
    response.on('error', reject);
  });
}

function networkError(origin: string, error: Error): DeliveryError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === undefined ? error.message : `${code}: ${error.message}`;
  return new DeliveryError('network_error', `The request to ${origin} failed (${reason}).`, {
    retryable: true,
    cause: error,
  });
}
