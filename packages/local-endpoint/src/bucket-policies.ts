/**
 * Bucket policies kept by the local endpoint instead of moto: moto 5.2 evaluates every
 * bucket-policy condition other than StringEquals as true, so the TLS-only Deny
 * (`aws:SecureTransport = false`) would block every object request. Stored here, a policy is
 * returned exactly as it was put, and enforced by nobody (the endpoint is plain HTTP).
 */
export class BucketPolicyStore {
  private readonly policies = new Map<string, string>();

  get(bucket: string): string | undefined {
    return this.policies.get(bucket);
  }

  put(bucket: string, policy: string): void {
    this.policies.set(bucket, policy);
  }

  delete(bucket: string): void {
    this.policies.delete(bucket);
  }

  clear(): void {
    this.policies.clear();
  }
}
