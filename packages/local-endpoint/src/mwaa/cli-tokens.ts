/**
 * Airflow CLI tokens (CreateCliToken). "The token returned in the response is valid for 60 seconds"
 * (MWAA User Guide, "Creating an Apache Airflow CLI token"); each is tied to the region and
 * environment it was issued for. One registry serves every regional emulator, because
 * `POST /aws_mwaa/cli` is not SigV4-signed and only the token says which environment it is for.
 */
import { randomBytes } from 'node:crypto';

export const CLI_TOKEN_TTL_MS = 60_000;

export interface TokenScope {
  region: string;
  name: string;
}

export type TokenCheck = { ok: true; scope: TokenScope } | { ok: false; reason: 'unknown' | 'expired' };

export class CliTokenRegistry {
  private readonly tokens = new Map<string, TokenScope & { expiresAt: number }>();

  issue(scope: TokenScope, now: number): string {
    this.prune(now);
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { ...scope, expiresAt: now + CLI_TOKEN_TTL_MS });
    return token;
  }

  check(token: string, now: number): TokenCheck {
    const found = this.tokens.get(token);
    if (!found) return { ok: false, reason: 'unknown' };
    if (now >= found.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, scope: { region: found.region, name: found.name } };
  }

  /** Forgets every token of one region (an emulator reset) or all of them. */
  clear(region?: string): void {
    for (const [token, scope] of this.tokens) if (region === undefined || scope.region === region) this.tokens.delete(token);
  }

  /** Expired tokens are kept a while longer so that their use is reported as `expired`, not `unknown`. */
  private prune(now: number): void {
    for (const [token, scope] of this.tokens) if (now >= scope.expiresAt + 10 * CLI_TOKEN_TTL_MS) this.tokens.delete(token);
  }
}
