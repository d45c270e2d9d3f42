import type { QueryClient } from '@tanstack/react-query';
import { seg } from '../api';
import { sourceQueryKey, type Source, type SourceEnvironment } from './sources';

/** Returns the base path of one source environment's dashboard pages. */
export function environmentPage(key: string, environment: string): string {
  return `/sources/${seg(key)}/${seg(environment)}`;
}

/** Replaces one environment of a cached source with the view a settings update returned. */
export function storeEnvironment(client: QueryClient, key: string, view: SourceEnvironment) {
  client.setQueryData<Source>(sourceQueryKey(key), (source) =>
    source
      ? {
          ...source,
          environments: source.environments.map((item) =>
            item.environment === view.environment ? view : item,
          ),
        }
      : source,
  );
}
