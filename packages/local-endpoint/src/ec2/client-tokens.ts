import { wireHeaders, type LocalService } from '../protocol.js';

/**
 * EC2 idempotency tokens, which moto 5.2 ignores: AWS answers a create call repeated with the same
 * `ClientToken` (an SDK retry after a lost response) with the first call's result instead of making
 * a second resource, and the same token with other parameters with IdempotentParameterMismatch.
 * The local endpoint keeps each successful answer by region, action and token, and does the same.
 */
export interface StoredAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface TokenedCall {
  readonly key: string;
  /** The call's other parameters, to tell a retry from a different call reusing the token. */
  readonly params: string;
}

/** The idempotent call a form-encoded EC2 request makes, or undefined when it carries no ClientToken. */
export function tokenedCall(region: string, body: string): TokenedCall | undefined {
  const params = new URLSearchParams(body);
  const token = params.get('ClientToken');
  const action = params.get('Action');
  if (!token || !action) return undefined;
  const others = [...params.entries()].filter(([k]) => k !== 'ClientToken').map(([k, v]) => `${k}=${v}`).sort().join('&');
  return { key: `${region}\u0000${action}\u0000${token}`, params: others };
}

export class ClientTokenStore {
  private readonly answers = new Map<string, { params: string; answer: StoredAnswer }>();

  /** The stored answer of an earlier call with this token; `mismatch` when its parameters differed. */
  lookup(call: TokenedCall): StoredAnswer | 'mismatch' | undefined {
    const found = this.answers.get(call.key);
    if (!found) return undefined;
    return found.params === call.params ? found.answer : 'mismatch';
  }

  remember(call: TokenedCall, answer: StoredAnswer): void {
    if (answer.status === 200) this.answers.set(call.key, { params: call.params, answer });
  }

  clear(): void {
    this.answers.clear();
  }
}

export function mismatchXml(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>IdempotentParameterMismatch</Code>' +
    '<Message>The client token was used before with different parameters.</Message></Error></Errors><RequestID>local</RequestID></Response>'
  );
}

/** The EC2 client-token keeper: a create repeated with its ClientToken gets the first answer (or the mismatch error). */
export function clientTokenKeeper(): LocalService {
  const tokens = new ClientTokenStore();
  return {
    service: 'ec2-client-tokens',
    async handle(req, forward) {
      const call = req.service === 'ec2' && req.method === 'POST' ? tokenedCall(req.region, req.body.toString('utf8')) : undefined;
      if (!call) return undefined;
      const earlier = tokens.lookup(call);
      if (earlier === 'mismatch') return { status: 400, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: mismatchXml() };
      if (earlier) return earlier;
      const reply = await forward();
      tokens.remember(call, { status: reply.status, headers: wireHeaders(req.method, reply, reply.body), body: reply.body });
      return reply;
    },
    reset: () => tokens.clear(),
    close: () => tokens.clear(),
  };
}
