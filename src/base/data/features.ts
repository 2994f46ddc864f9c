/**
 * The model's feature vector for one abalone, exactly as the ETL writes it
 * (artifacts/airflow/scripts/abalone_etl_core.py, features_csv): the seven measurements in the
 * survey's order, each as Python's repr of the float, then the sex one-hot over (M, F, I).
 * test/unit/data/features.test.ts runs the Python function and compares, for every sex value.
 */
export const SEX_CATEGORIES = ['M', 'F', 'I'] as const;

/**
 * Python 3's repr of a float: the shortest digits that read back as the same value (as JS's own
 * ToString), written as CPython's float_repr_style 'short' does (Python/pystrtod.c,
 * format_float_short with mode 'r'): fixed notation with a ".0" when integral, exponent notation
 * ("1e-05", "1e+16") when the decimal point position is at most -4 or above 16.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const decpt = Number(exponentText) + 1;
  if (decpt <= -4 || decpt > 16) {
    const exponent = decpt - 1;
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${rest}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export function oneHot(sex: string): string[] {
  return SEX_CATEGORIES.map((category) => (sex === category ? '1' : '0'));
}

/** One validated row (upper-case sex, seven measurements) as the model's CSV feature row. */
export function encodeFeatures(sex: string, measurements: readonly number[]): string {
  if (measurements.length !== 7) throw new Error(`expected 7 measurements, got ${measurements.length}`);
  return [...measurements.map((m) => pythonFloatRepr(m + 0)), ...oneHot(sex)].join(',');
}
