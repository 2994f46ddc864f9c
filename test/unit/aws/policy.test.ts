import { describe, expect, it } from 'vitest';
import { diffPolicies, parsePolicy, policiesEqual, type PolicyDocument } from '../../../src/aws/policy.js';

const wanted: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadData',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};

const clone = (doc: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(doc)) as PolicyDocument;

describe('diffPolicies', () => {
  it('is empty for the same document', () => {
    expect(diffPolicies(wanted, clone(wanted))).toEqual([]);
    expect(policiesEqual(wanted, clone(wanted))).toBe(true);
  });

  it('is empty for the same meaning in another order and shape', () => {
    const text = JSON.stringify({
      Statement: [
        {
          Condition: { Bool: { 'aws:SecureTransport': ['false'] } },
          Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'],
          Action: ['s3:*'],
          Principal: '*',
          Effect: 'Deny',
          Sid: 'DenyInsecureTransport',
        },
        {
          Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'],
          Action: ['s3:ListBucket', 's3:GetObject'],
          Effect: 'Allow',
          Sid: 'ReadData',
        },
      ],
      Version: '2012-10-17',
    });
    expect(diffPolicies(wanted, parsePolicy(text))).toEqual([]);
  });

  it('names a changed statement by its Sid', () => {
    const actual = clone(wanted);
    actual.Statement[1]!.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
    expect(diffPolicies(wanted, actual)).toEqual(['statement DenyInsecureTransport differs']);
    expect(policiesEqual(wanted, actual)).toBe(false);
  });

  it('names a changed action list and a changed effect', () => {
    const actual = clone(wanted);
    actual.Statement[0]!.Action = ['s3:GetObject', 's3:PutObject'];
    expect(diffPolicies(wanted, actual)).toEqual(['statement ReadData differs']);
    const effect = clone(wanted);
    effect.Statement[1]!.Effect = 'Allow';
    expect(diffPolicies(wanted, effect)).toEqual(['statement DenyInsecureTransport differs']);
  });

  it('names a missing statement', () => {
    const actual = clone(wanted);
    actual.Statement.splice(0, 1);
    expect(diffPolicies(wanted, actual)).toEqual(['statement ReadData missing']);
  });

  it('names an extra statement', () => {
    const actual = clone(wanted);
    actual.Statement.push({ Sid: 'Backdoor', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' });
    expect(diffPolicies(wanted, actual)).toEqual(['statement Backdoor not expected']);
  });

  it('names statements without a Sid by position', () => {
    const noSid: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    const actual = clone(noSid);
    actual.Statement[0]!.Action = 's3:PutObject';
    expect(diffPolicies(noSid, actual)).toEqual(['statement #1 differs']);
    expect(diffPolicies(noSid, { Version: '2012-10-17', Statement: [] })).toEqual(['statement #1 missing']);
  });

  it('reports a different Version', () => {
    const actual = { ...clone(wanted), Version: '2008-10-17' };
    expect(diffPolicies(wanted, actual)).toEqual(['Version 2008-10-17 (want 2012-10-17)']);
  });
});

describe('parsePolicy', () => {
  it('parses the plain JSON S3 returns', () => {
    expect(parsePolicy(JSON.stringify(wanted))).toEqual(wanted);
  });

  it('parses the URL-encoded documents IAM returns', () => {
    const encoded = encodeURIComponent(JSON.stringify(wanted));
    expect(encoded.startsWith('%7B')).toBe(true);
    expect(parsePolicy(encoded)).toEqual(wanted);
    expect(diffPolicies(wanted, parsePolicy(encoded))).toEqual([]);
  });

  it('parses an IAM trust policy with a single statement object and encoded punctuation', () => {
    const trust = '%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22glue.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%7D';
    expect(parsePolicy(trust)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it('accepts leading whitespace, and defaults a missing Version and Statement', () => {
    expect(parsePolicy('  \n{"Statement": []}')).toEqual({ Version: '2008-10-17', Statement: [] });
    expect(parsePolicy('{}')).toEqual({ Version: '2008-10-17', Statement: [] });
  });
});
