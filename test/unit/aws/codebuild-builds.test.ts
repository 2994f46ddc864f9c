import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { getBuild, startBuild } from '../../../src/aws/codebuild-builds.js';

// Build, BuildPhase and PhaseContext fields as the CodeBuild API reference lists them:
// https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Build.html
// https://docs.aws.amazon.com/codebuild/latest/APIReference/API_BuildPhase.html
const codebuild = mockClient(CodeBuildClient);
const client = new CodeBuildClient({ region: 'us-east-1', maxAttempts: 1 });

beforeEach(() => {
  codebuild.reset();
  codebuild.onAnyCommand().rejects(new Error('unstubbed call'));
});
afterEach(() => codebuild.reset());

describe('codebuild builds', () => {
  it('startBuild returns the new build id', async () => {
    codebuild.on(StartBuildCommand, { projectName: 'deploy' }).resolves({ build: { id: 'deploy:1' } });
    expect(await startBuild(client, 'deploy')).toBe('deploy:1');
  });

  it('getBuild maps the SDK Build to the tool\'s own shape, phases without a type left out', async () => {
    codebuild.on(BatchGetBuildsCommand, { ids: ['deploy:1'] }).resolves({
      builds: [
        {
          id: 'deploy:1',
          buildStatus: 'FAILED',
          buildComplete: true,
          phases: [
            { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', durationInSeconds: 0 },
            { phaseType: 'BUILD', phaseStatus: 'FAILED', contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'exit status 1' }, { message: '' }] },
            { phaseStatus: 'SUCCEEDED' },
          ],
        },
      ],
    });
    expect(await getBuild(client, 'deploy:1')).toEqual({
      id: 'deploy:1',
      status: 'FAILED',
      complete: true,
      phases: [
        { type: 'SUBMITTED', status: 'SUCCEEDED', durationSeconds: 0, messages: [] },
        { type: 'BUILD', status: 'FAILED', durationSeconds: undefined, messages: ['exit status 1'] },
      ],
    });
  });

  it('getBuild is undefined for an id CodeBuild does not know (it lists it in buildsNotFound)', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [], buildsNotFound: ['deploy:9'] });
    expect(await getBuild(client, 'deploy:9')).toBeUndefined();
  });
});
