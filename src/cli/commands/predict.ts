import { EXIT, UsageError } from '../../base/errors.js';
import { predict as predictRows, readPredictRows } from '../../ops/predict.js';
import { predictionLines, predictionsDocument, reportRejected } from '../../output/predict-report.js';
import type { CommandContext } from '../context.js';
import type { PredictOptions } from '../options.js';
import { opContext } from '../op-context.js';

export async function predict(ctx: CommandContext, options: PredictOptions): Promise<number> {
  const { output } = ctx;
  const { file, rows: rowArgs } = options;
  if (file === undefined && rowArgs.length === 0) {
    throw new UsageError('nothing to predict: give a CSV file (sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight) or --row <sex,length,...>', 'NoRows');
  }
  // Every row is checked before anything is sent.
  const { rows, rejected } = await readPredictRows(file, rowArgs);
  if (rejected.length > 0) {
    reportRejected(output, rejected);
    return EXIT.failed;
  }
  const predictions = await predictRows(opContext(ctx), { rows });
  if (output.json) output.result(predictionsDocument(predictions));
  else for (const line of predictionLines(predictions)) output.line(line);
  return EXIT.ok;
}
