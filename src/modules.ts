import type { Inlet } from './app.js';

/**
 * Installs the layers built on top of receiving: job handlers, source-creation hooks and API
 * routes. Each layer adds itself here, so `createInlet` stays about storage and ingestion.
 */
export function installModules(inlet: Inlet): void {
  void inlet;
}
