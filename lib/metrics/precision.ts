/**
 * Metric values as the metric-evolution graph's answer carries them: to SERIES_DIGITS significant digits.
 *
 * SageMaker reports a training job's final metrics as 32-bit floats (`MetricData.Value`, about 7 significant
 * digits), and the graph shows 4 (lib/format.ts formatValue). The digits beyond are noise that costs on every
 * request: a 17-digit value is twice the JSON text of a 7-digit one, and those digits do not compress. Exact values
 * stay where a single run is read (the run page, the comparison).
 */

/** Significant digits of the values in a metric series answer (lib/pipelines/queries.ts). */
export const SERIES_DIGITS = 7;

/** Exact powers of ten, 10^0 … 10^22 (every one of them is a double without rounding). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * `value` rounded to `digits` significant digits (half away from zero), as the double nearest that decimal, so
 * that JSON.stringify writes at most `digits` digits. Zero, infinities and NaN come back as they are.
 * Number(value.toPrecision(digits)) gives the same up to ties but allocates a string per value; this takes a
 * multiplication and a division (a series answer holds ~15k values).
 */
export function roundSignificant(value: number, digits: number = SERIES_DIGITS): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const k = digits - 1 - Math.floor(Math.log10(magnitude));
  let rounded: number;
  if (k >= 0 && k < POW10.length) {
    const scale = POW10[k] as number;
    rounded = Math.round(magnitude * scale) / scale;
  } else if (k < 0 && -k < POW10.length) {
    const scale = POW10[-k] as number;
    rounded = Math.round(magnitude / scale) * scale;
  } else {
    // Below 1e-16 or above 1e22 (not a metric value in practice): the slow path.
    rounded = Math.abs(Number(magnitude.toPrecision(digits)));
  }
  return value < 0 ? -rounded : rounded;
}

/** roundSignificant that lets null through (a point's previous value and baseline may be missing). */
export function roundNullable(value: number | null): number | null {
  return value === null ? null : roundSignificant(value);
}
