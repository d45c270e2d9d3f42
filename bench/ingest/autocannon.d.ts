// The part of autocannon 8's programmatic API that the ingest benchmark uses. The package ships
// no type declarations, and @types/autocannon is not installed.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface RequestData {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  }

  export interface RequestSpec<Context> {
    /** Called before each request; returns the request to send. */
    setupRequest?: (request: RequestData, context: Context) => RequestData;
    /** Called with each response of this request, before the next request is built. */
    onResponse?: (status: number, body: string, context: Context) => void;
  }

  export interface Options<Context> {
    url: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    method?: string;
    requests?: RequestSpec<Context>[];
    initialContext?: Context;
  }

  export interface Result {
    /** Seconds the run lasted. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    '4xx': number;
    '5xx': number;
  }

  export interface Instance extends EventEmitter {
    stop(): void;
  }

  function autocannon<Context = Record<string, unknown>>(
    options: Options<Context>,
    callback: (error: Error | null, result: Result) => void,
  ): Instance;

  export default autocannon;
}
