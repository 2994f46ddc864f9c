import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ssmParameterStore } from '../../../src/aws/ssm-store.js';

// PutParameter without Overwrite fails with ParameterAlreadyExists when the name exists; Tags are
// accepted only on creation; GetParameter and DeleteParameter fail with ParameterNotFound.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameter.html
const ssm = mockClient(SSMClient);
const store = ssmParameterStore(new SSMClient({ region: 'us-east-1', maxAttempts: 1 }));
const meta = { $metadata: {} };

beforeEach(() => {
  ssm.reset();
  ssm.onAnyCommand().rejects(new Error('unstubbed call'));
});
afterEach(() => ssm.reset());

describe('ssmParameterStore', () => {
  it('get returns the value, and undefined for a parameter that does not exist', async () => {
    ssm.on(GetParameterCommand, { Name: '/a' }).resolves({ Parameter: { Name: '/a', Value: 'x' } });
    ssm.on(GetParameterCommand, { Name: '/missing' }).rejects(new ParameterNotFound({ message: 'not found', ...meta }));
    expect(await store.get('/a')).toBe('x');
    expect(await store.get('/missing')).toBeUndefined();
  });

  it('get passes on any other error', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(store.get('/a')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('put overwrites, without tags (SSM takes tags only on creation)', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await store.put('/a', 'v', { description: 'd', tags: { k: 'v' } });
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({ Name: '/a', Value: 'v', Type: 'String', Overwrite: true, Description: 'd' });
  });

  it('putIfAbsent creates with Overwrite false and the tags, and says it created', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    expect(await store.putIfAbsent('/a', 'v', { description: 'd', tags: { owner: 'abalone' } })).toBe(true);
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/a',
      Value: 'v',
      Type: 'String',
      Overwrite: false,
      Tags: [{ Key: 'owner', Value: 'abalone' }],
      Description: 'd',
    });
  });

  it('putIfAbsent returns false when the parameter exists (ParameterAlreadyExists), leaving it as it was', async () => {
    ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'The parameter already exists.', ...meta }));
    expect(await store.putIfAbsent('/a', 'v')).toBe(false);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
  });

  it('putIfAbsent passes on any other error', async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('too many'), { name: 'TooManyUpdates' }));
    await expect(store.putIfAbsent('/a', 'v')).rejects.toMatchObject({ name: 'TooManyUpdates' });
  });

  it('delete ignores a parameter that is already gone, and passes on other errors', async () => {
    ssm.on(DeleteParameterCommand, { Name: '/gone' }).rejects(new ParameterNotFound({ message: 'not found', ...meta }));
    ssm.on(DeleteParameterCommand, { Name: '/denied' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    ssm.on(DeleteParameterCommand, { Name: '/a' }).resolves({});
    await store.delete('/a');
    await store.delete('/gone');
    await expect(store.delete('/denied')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
