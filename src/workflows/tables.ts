/**
 * Tables of the workflow engine. The workflow layer fills this in; until then it declares none.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WorkflowTables {}
