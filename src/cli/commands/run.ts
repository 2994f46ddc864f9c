import { EXIT } from '../../base/errors.js';
import { runPipeline } from '../../ops/run.js';
import { outcomeLines, runDocument, RunFollowReporter } from '../../output/run-follow.js';
import type { CommandContext } from '../context.js';
import type { RunOptions } from '../options.js';
import { opContext } from '../op-context.js';

export async function run(ctx: CommandContext, options: RunOptions): Promise<number> {
  const { output } = ctx;
  const op = opContext(ctx);
  await op.openSession();
  const reporter = new RunFollowReporter(output);
  try {
    const outcome = await runPipeline(op, { force: options.force, follow: options.follow, onEvent: reporter.onEvent });
    reporter.stop();
    if (output.json) output.result(runDocument(outcome));
    else for (const line of outcomeLines(output.style, outcome)) output.line(line);
    return outcome.state === 'failed' ? EXIT.failed : EXIT.ok;
  } finally {
    reporter.stop();
  }
}
