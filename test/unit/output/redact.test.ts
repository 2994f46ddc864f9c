import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../../src/output/redact.js';

describe('redact: what the tool writes never carries a credential', () => {
  it('removes a registered secret, plain, URL-encoded and JSON-escaped', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY"EXAMPLEKEY';
    registerSecret(secret);
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify({ k: secret })}`;
    expect(redact(text)).not.toContain('K7MDENG');
    expect(redact(text)).toContain('[redacted]');
  });

  it('removes the signed parts of a SigV4 request: Authorization header, presigned query, session token header', () => {
    const auth = 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
    expect(redact(`authorization: ${auth}`)).toBe('authorization: AWS4-HMAC-SHA256 [redacted]');
    expect(redact('https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=abcdef&X-Amz-Security-Token=IQo')).toBe(
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]',
    );
    expect(redact('{"x-amz-security-token":"IQoJb3JpZ2luX2Vj"}')).toBe('{"x-amz-security-token":"[redacted]"}');
    expect(redact(JSON.stringify({ message: '{"x-amz-security-token":"IQoJb3JpZ2luX2Vj"}' }))).not.toContain('IQoJ');
  });

  it('masks a Bearer token wherever it appears (the MWAA CLI token)', () => {
    expect(redact('authorization: Bearer eyJ0eXAi.OiJKV1Q-_x/y+z==')).toBe('authorization: Bearer [redacted]');
    expect(redact(JSON.stringify({ headers: { Authorization: 'Bearer Zm9vYmFyYmF6cXV4' } }))).toBe('{"headers":{"Authorization":"Bearer [redacted]"}}');
  });

  it('leaves ordinary text alone', () => {
    const text = 'ensure-roles      + create  arn:aws:iam::123456789012:role/abalone-glue-us-east-1  (trusts glue.amazonaws.com)';
    expect(redact(text)).toBe(text);
  });
});
