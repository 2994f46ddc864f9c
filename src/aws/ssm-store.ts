import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterStore, StoredParameterOptions } from '../engine/parameter-store.js';
import { errorName } from '../base/errors.js';
import { readOrUndefined } from './errors.js';

/**
 * ParameterStore over SSM String parameters. putIfAbsent is PutParameter without Overwrite, which
 * SSM refuses with ParameterAlreadyExists when the name is taken: the create is atomic on the
 * service's side ("Overwrite: ... If not specified, will default to false"; "ParameterAlreadyExists:
 * The parameter already exists. You can't create duplicate parameters."
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
 * Tags may only be given on creation (PutParameter rejects Tags with Overwrite), so put() sends none.
 */
export function ssmParameterStore(ssm: SSMClient): ParameterStore {
  const send = (Name: string, Value: string, overwrite: boolean, options: StoredParameterOptions = {}) =>
    ssm.send(
      new PutParameterCommand({
        Name,
        Value,
        Type: 'String',
        Overwrite: overwrite,
        ...(!overwrite && options.tags ? { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        ...(options.description !== undefined ? { Description: options.description } : {}),
      }),
    );
  return {
    async get(name) {
      const out = await readOrUndefined(() => ssm.send(new GetParameterCommand({ Name: name })));
      return out?.Parameter?.Value;
    },
    async getVersioned(name) {
      const out = await readOrUndefined(() => ssm.send(new GetParameterCommand({ Name: name })));
      const parameter = out?.Parameter;
      if (parameter?.Value === undefined) return undefined;
      // "Version: The parameter version." It starts at 1 and each PutParameter with Overwrite raises it
      // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Parameter.html).
      return { value: parameter.Value, version: parameter.Version ?? 0 };
    },
    async put(name, value, options) {
      await send(name, value, true, options);
    },
    async putIfAbsent(name, value, options) {
      try {
        await send(name, value, false, options);
        return true;
      } catch (error) {
        if (errorName(error) === 'ParameterAlreadyExists') return false;
        throw error;
      }
    },
    async delete(name) {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) !== 'ParameterNotFound') throw error;
      }
    },
  };
}
