import { useQuery } from '@tanstack/react-query';
import { api, seg } from '../api';
import { environmentPath } from './events';

/** An event type of a provider's catalogue. */
export interface CatalogueEventType {
  type: string;
  description: string;
}

/** An event type seen in a source environment. `sample` is the body of its latest event. */
export interface SeenEventType {
  event_type: string;
  count: number;
  first_received_at: string;
  last_received_at: string;
  sample: unknown;
}

/** Loads every event type a provider sends; the catalogue does not change while Inlet runs. */
export function useProviderEventTypes(provider: string) {
  return useQuery({
    queryKey: ['provider-event-types', provider],
    queryFn: () =>
      api<{ data: CatalogueEventType[] }>('GET', `/v1/providers/${seg(provider)}/event-types`),
    staleTime: Infinity,
  });
}

export function seenEventTypesKey(sourceKey: string, environment: string) {
  return ['event-types', sourceKey, environment] as const;
}

/** Loads the event types a source environment received. */
export function useSeenEventTypes(sourceKey: string, environment: string) {
  return useQuery({
    queryKey: seenEventTypesKey(sourceKey, environment),
    queryFn: () =>
      api<{ data: SeenEventType[] }>(
        'GET',
        `${environmentPath(sourceKey, environment)}/event-types`,
      ),
  });
}
