import { createHistogram } from 'node:perf_hooks';
import autocannon, { type RequestData } from 'autocannon';
import type { DeliveryFactory } from './deliveries.js';

export interface LoadOptions {
  /** Full delivery URL, such as http://127.0.0.1:4100/integrations/receive/abc. */
  url: string;
  connections: number;
  durationSeconds: number;
  deliveries: DeliveryFactory;
  /** Receives the event id of every delivery whose response has a 2xx status. */
  acknowledgedIds: Set<string>;
}

export interface LoadResult {
  durationSeconds: number;
  acknowledged: number;
  /** Responses with a status other than 2xx. */
  rejected: number;
  /** Connection errors and timeouts; autocannon counts a timeout as an error too. */
  errors: number;
  timeouts: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

interface ConnectionContext {
  eventId?: string;
}

/**
 * Sends signed deliveries with autocannon for a fixed duration, one request in flight per
 * connection. Latency is measured from writing a request to reading its whole response, and is
 * recorded in microseconds because autocannon's own histogram rounds to whole milliseconds.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencyMicros = createHistogram();

  return new Promise((resolve, reject) => {
    const instance = autocannon<ConnectionContext>(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSeconds,
        timeout: 10,
        method: 'POST',
        requests: [
          {
            setupRequest: (request, context) => signRequest(request, context, options.deliveries),
            onResponse: (status, _body, context) => {
              if (status >= 200 && status < 300 && context.eventId !== undefined) {
                options.acknowledgedIds.add(context.eventId);
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error !== null) {
          reject(error);
          return;
        }
        resolve({
          durationSeconds: result.duration,
          acknowledged: result['2xx'],
          rejected: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          eventsPerSecond: result['2xx'] / result.duration,
          latencyMs: {
            p50: latencyMicros.percentile(50) / 1000,
            p99: latencyMicros.percentile(99) / 1000,
            max: latencyMicros.max / 1000,
          },
        });
      },
    );
    instance.on(
      'response',
      (_client: unknown, _status: number, _bytes: number, responseMs: number) => {
        latencyMicros.record(Math.max(1, Math.round(responseMs * 1000)));
      },
    );
  });
}

function signRequest(
  request: RequestData,
  context: ConnectionContext,
  deliveries: DeliveryFactory,
): RequestData {
  const delivery = deliveries.next();
  context.eventId = delivery.eventId;
  return {
    ...request,
    body: delivery.body,
    headers: {
      'content-type': 'application/json',
      'workos-signature': delivery.signature,
    },
  };
}
