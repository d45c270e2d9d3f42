import type { Command } from 'commander';
import type { ApiClient } from './client.js';

export type CliExtension = (program: Command, client: () => ApiClient) => void;

/** Command groups added by the mapping and workflow layers. */
export const cliExtensions: CliExtension[] = [];
