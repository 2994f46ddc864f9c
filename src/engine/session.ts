import type { SessionClients } from './clients.js';
import type { Names } from './names.js';
import type { TimingProfile } from './timing.js';

/** One opened session: the clients, the names derived for the account and region, and the pace to wait at. */
export interface Session {
  readonly clients: SessionClients;
  readonly names: Names;
  readonly timing: TimingProfile;
}
