import { installActionLayer } from './act/index.js';
import type { ActionServices } from './act/action-services.js';
import type { Inlet } from './app.js';
import { createDataStores } from './data/index.js';
import { InletError } from './errors.js';
import { registerApiRoutes } from './http/server.js';
import { dataRoutes } from './http/routes/data.js';
import { mappingRoutes } from './http/routes/mappings.js';

/**
 * Installs the layers built on top of receiving: job handlers, source-creation hooks and API
 * routes. Each layer adds itself here, so `createInlet` stays about storage and ingestion.
 */
export function installModules(inlet: Inlet): void {
  const data = createDataStores(inlet.database.db);
  const services: ActionServices = {
    users: data.users,
    objects: data.objects,
    tenants: data.tenants,
    audiences: data.audiences,
    workflows: {
      async trigger(_exec, _env, key) {
        throw new InletError('workflow_not_found', `Workflow "${key}" was not found.`);
      },
      async cancel(_exec, _env, key) {
        throw new InletError('workflow_not_found', `Workflow "${key}" was not found.`);
      },
    },
  };
  installActionLayer(inlet, services);
  registerApiRoutes(mappingRoutes);
  registerApiRoutes(dataRoutes);
}
