/** The last service of the list: moto answers, its replies fixed where moto gets AWS's shapes wrong (fixes.ts). */
import type { LocalService } from '../protocol.js';
import { fixMotoResponse } from './fixes.js';

export function motoService(): LocalService {
  return {
    service: 'moto',
    async handle(req, forward) {
      const reply = await forward();
      return { ...reply, body: fixMotoResponse(req.service || undefined, reply.body) };
    },
    reset: () => undefined,
    close: () => undefined,
  };
}
