/**
 * The AWS clients a session holds, as the engine sees them: it only hands them on, to the steps
 * and ops. Their members are aws/clients.ts's `Clients`, which that module adds to this interface
 * (declaration merging), so that the engine never imports aws: aws -> engine is the one direction.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionClients {}
