// The built-in CSV classifier's rules: https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html
import { describe, expect, it } from 'vitest';
import { inferCsvSchema } from '../../src/glue/csv-schema.js';

describe('inferCsvSchema', () => {
  it('takes column names from a header row of strings over typed data', () => {
    expect(inferCsvSchema('Sex,Length,Rings\nM,0.455,15\nI,0.33,7\n')).toEqual({
      hasHeader: true,
      columns: [
        { Name: 'sex', Type: 'string' },
        { Name: 'length', Type: 'double' },
        { Name: 'rings', Type: 'bigint' },
      ],
    });
  });

  it('names columns col0.. when there is no header, widening bigint to double', () => {
    expect(inferCsvSchema('M,1,15\nF,0.5,9\n')).toEqual({
      hasHeader: false,
      columns: [
        { Name: 'col0', Type: 'string' },
        { Name: 'col1', Type: 'double' },
        { Name: 'col2', Type: 'bigint' },
      ],
    });
  });

  it('is not CSV with fewer than two columns', () => {
    expect(inferCsvSchema('just one value\nanother\n')).toBeUndefined();
    expect(inferCsvSchema('')).toBeUndefined();
  });
});
