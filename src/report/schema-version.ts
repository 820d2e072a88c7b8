/** The --json envelope's `schemaVersion` (schema.ts): here apart so that writing JSON does not load the schema. */
export const SCHEMA_VERSION = 1;
