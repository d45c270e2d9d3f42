/** JSON Schema fragments shared by route modules; Fastify validates with them and documents them. */
export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export const sourceKeyParams = {
  type: 'object',
  properties: { key: { type: 'string', maxLength: 64 } },
  required: ['key'],
} as const;

export const environmentParams = {
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 64 },
    environment: { type: 'string', maxLength: 63 },
  },
  required: ['key', 'environment'],
} as const;

export const pageQuery = {
  after: { type: 'string', maxLength: 200 },
  limit: { type: 'integer', minimum: 1, maximum: 200 },
} as const;
