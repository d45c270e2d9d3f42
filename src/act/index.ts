import type { Inlet } from '../app.js';
import { InletError } from '../errors.js';
import { MappingService, type DefaultMapping } from '../map/mapping-service.js';
import { getProvider } from '../providers/registry.js';
import { PROCESS_EVENT_JOB } from '../record/event-store.js';
import type { ActionServices } from './action-services.js';
import { EventProcessor } from './processor.js';
import { Replayer } from './replay.js';

/** Events processed per transaction; larger batches commit less often but hold the lock longer. */
const EVENT_BATCH_SIZE = 50;

export interface ActionLayer {
  mappings: MappingService;
  processor: EventProcessor;
  replayer: Replayer;
}

const layers = new WeakMap<Inlet, ActionLayer>();

/** Returns the mapping and action layer of an Inlet process, once `installActionLayer` ran. */
export function actionLayer(inlet: Inlet): ActionLayer {
  const layer = layers.get(inlet);
  if (layer === undefined)
    throw new Error('The action layer is not installed; call installActionLayer first');
  return layer;
}

/**
 * Wires mappings into the process: the `event.process` job handler, and default mappings for new
 * sources (unless the request set `default_mappings: false`).
 */
export function installActionLayer(inlet: Inlet, services: ActionServices): ActionLayer {
  const db = inlet.database.db;
  const mappings = new MappingService(db);
  const processor = new EventProcessor(db, mappings, services, inlet.queue);
  const layer: ActionLayer = {
    mappings,
    processor,
    replayer: new Replayer(db, processor, inlet.log),
  };
  layers.set(inlet, layer);

  inlet.batchJobHandlers.set(PROCESS_EVENT_JOB, {
    batchSize: EVENT_BATCH_SIZE,
    handle: (jobs, log) => processor.processJobs(jobs, inlet.queue, log),
  });

  inlet.sources.onSourceCreated(async (tx, source, environments, options) => {
    const selection = options.defaultMappings;
    if (selection === false) return;
    const defaults = selectDefaults(getProvider(source.provider).defaultMappings, selection);
    for (const environment of environments)
      await mappings.installDefaults(environment.id, defaults, tx);
  });
  return layer;
}

/** Picks the defaults named by `selection`: all for anything but an array of keys. */
function selectDefaults(
  defaults: readonly DefaultMapping[],
  selection: unknown,
): readonly DefaultMapping[] {
  if (!Array.isArray(selection)) return defaults;
  const known = new Set(defaults.map((mapping) => mapping.key));
  const unknown = selection.filter((key) => !known.has(key as string));
  if (unknown.length > 0) {
    throw new InletError(
      'validation_failed',
      `Unknown default mapping keys: ${unknown.join(', ')}. List them with GET /v1/providers/<provider>/default-mappings.`,
    );
  }
  const chosen = new Set(selection);
  return defaults.filter((mapping) => chosen.has(mapping.key));
}
