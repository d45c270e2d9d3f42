import { installActionLayer } from './act/index.js';
import type { ActionServices } from './act/action-services.js';
import type { Inlet } from './app.js';
import { createDataStores } from './data/index.js';
import { registerApiRoutes } from './http/server.js';
import { dataRoutes } from './http/routes/data.js';
import { mappingRoutes } from './http/routes/mappings.js';
import { messageRoutes } from './http/routes/messages.js';
import { channelRoutes, workflowRoutes } from './http/routes/workflows.js';
import { getWorkflowEngine } from './workflows/index.js';

/**
 * Installs the layers built on top of receiving: job handlers, source-creation hooks and API
 * routes. Each layer adds itself here, so `createInlet` stays about storage and ingestion.
 */
export function installModules(inlet: Inlet): void {
  // Workflow engine: run, delivery and batch-close jobs, and the workflow, channel and message API.
  const workflows = getWorkflowEngine(inlet);
  for (const [kind, handler] of workflows.jobHandlers()) inlet.jobHandlers.set(kind, handler);
  registerApiRoutes(workflowRoutes, channelRoutes, messageRoutes);

  const data = createDataStores(inlet.database.db);
  const services: ActionServices = {
    users: data.users,
    objects: data.objects,
    tenants: data.tenants,
    audiences: data.audiences,
    workflows,
  };
  installActionLayer(inlet, services);
  registerApiRoutes(mappingRoutes);
  registerApiRoutes(dataRoutes);
}
