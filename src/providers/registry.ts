import { InletError } from '../errors.js';
import type { Provider } from './provider.js';
import { workosProvider } from './workos/index.js';

const PROVIDERS: ReadonlyMap<string, Provider> = new Map([[workosProvider.key, workosProvider]]);

export function providerKeys(): string[] {
  return [...PROVIDERS.keys()];
}

export function getProvider(key: string): Provider {
  const provider = PROVIDERS.get(key);
  if (provider === undefined) {
    throw new InletError(
      'unsupported_provider',
      `Provider "${key}" is not supported; use one of: ${providerKeys().join(', ')}.`,
    );
  }
  return provider;
}

const knownTypes = new WeakMap<Provider, ReadonlySet<string>>();

/** Returns whether `eventType` is in the provider's catalogue; other types are recorded and ignored. */
export function isKnownEventType(provider: Provider, eventType: string): boolean {
  let types = knownTypes.get(provider);
  if (types === undefined) {
    types = new Set(provider.eventTypes.map((info) => info.type));
    knownTypes.set(provider, types);
  }
  return types.has(eventType);
}
