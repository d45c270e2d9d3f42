/** Tables of action mappings and of the log of actions run for each event. */
export interface MappingTables {
  mappings: MappingsTable;
  action_logs: ActionLogsTable;
}

export interface MappingsTable {
  id: string;
  source_environment_id: string;
  event_type: string;
  action_type: string;
  /** JSON object of parameter value specs. */
  parameters: string;
  /** JSON array of conditions on the event; the mapping runs only when all hold. */
  conditions: string;
  active: number;
  /** Position among mappings of the same action type, for a stable order. */
  position: number;
  /** Key of the default mapping this row was installed from, or null for user mappings. */
  default_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface ActionLogsTable {
  id: string;
  event_id: string;
  mapping_id: string | null;
  /** 0 for the first processing of the event, then 1, 2, … for each replay. */
  run: number;
  action_type: string;
  /** JSON: the mapping's configured parameters when it ran. */
  parameters: string;
  /** JSON: resolved values, or null when resolution failed. */
  resolved: string | null;
  /** JSON: what the action produced, such as workflow run ids. */
  result: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  duration_ms: number;
  created_at: string;
  updated_at: string;
}
