/**
 * The dashboard's client for the management API. The session cookie travels with every request;
 * the `X-Inlet-CSRF` header is what the server requires of cookie-authenticated writes, because a
 * cross-site form cannot set it.
 */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** An error response of the API, or a network failure (`code` "network_error"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Event fired on `window` when the API returns 401, so the app returns to the sign-in form. */
export const SIGNED_OUT_EVENT = 'inlet:signed-out';

export interface RequestOptions {
  /** Recipient-data environment, sent as the `Inlet-Environment` header. */
  environment?: string;
  /** Further request headers, such as `Idempotency-Key`. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Sends one API request and returns the parsed JSON body, or undefined for 204. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { 'x-inlet-csrf': '1', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.environment) headers['inlet-environment'] = options.environment;
  Object.assign(headers, options.headers);

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Is Inlet running?');
  }

  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const error = parsed as Partial<ApiErrorBody> | undefined;
    if (response.status === 401 && !path.startsWith('/v1/session')) {
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    }
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? `The server returned ${response.status} ${response.statusText}.`,
      error?.details,
    );
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Encodes one path segment. */
export const seg = (value: string) => encodeURIComponent(value);

/** One page of a keyset-paginated listing. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
