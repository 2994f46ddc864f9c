// One contender for the pipeline lock, for test/integration/lock.test.ts: waits for "go" on stdin so
// that every contender starts at the same moment, then takes the lock with the built engine
// (dist/) over SSM at AWS_ENDPOINT_URL, and prints one JSON line: {"won": true} while it holds
// the lock (never releasing it), or {"won": false, "code", "message"}.
import { SSMClient } from '@aws-sdk/client-ssm';
import { acquireLock } from '../../dist/engine/lock.js';
import { deriveNames } from '../../dist/engine/names.js';
import { ssmParameterStore } from '../../dist/aws/ssm-store.js';

const ssm = new SSMClient({ endpoint: process.env.AWS_ENDPOINT_URL, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const store = ssmParameterStore(ssm);
const names = deriveNames('abalone', process.env.AWS_REGION ?? 'us-east-1', '123456789012');
process.stdin.once('data', async () => {
  try {
    await acquireLock(store, names, { command: 'race', force: false, notice: () => undefined });
    process.stdout.write(`${JSON.stringify({ won: true, pid: process.pid })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ won: false, code: error.code ?? error.name, message: error.message })}\n`);
  }
  process.exit(0);
});
process.stdout.write('ready\n');
