// The MWAA catalog is engine/mwaa-catalog.ts (the engine imports no aws module). This re-export
// serves only src/local/mwaa/config.ts until the local endpoint imports it from there.
export * from '../engine/mwaa-catalog.js';
