/**
 * APPROXIMATE on-demand prices of SageMaker instances (USD per instance-hour, training / processing,
 * us-east-1 list prices as published by AWS in 2025, rounded). They only give a model card's compute
 * section an order of magnitude: real bills differ by region, Savings Plans, Spot training, and price
 * changes. Types missing here show no cost rather than a guess.
 */
/** What the prices are, and are not. */
export const PRICE_BASIS =
  "SageMaker on-demand list prices (us-east-1, USD per instance-hour, 2025), before Savings Plans, Spot and " +
  "regional differences. For orders of magnitude only.";
export const PRICE_TABLE_NOTE = `Approximate: ${PRICE_BASIS}`;

export const ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = {
  "ml.t3.medium": 0.05,
  "ml.t3.large": 0.1,
  "ml.t3.xlarge": 0.2,
  "ml.m5.large": 0.115,
  "ml.m5.xlarge": 0.23,
  "ml.m5.2xlarge": 0.461,
  "ml.m5.4xlarge": 0.922,
  "ml.m5.12xlarge": 2.765,
  "ml.m5.24xlarge": 5.53,
  "ml.c5.xlarge": 0.204,
  "ml.c5.2xlarge": 0.408,
  "ml.c5.4xlarge": 0.816,
  "ml.c5.9xlarge": 1.836,
  "ml.r5.xlarge": 0.302,
  "ml.r5.2xlarge": 0.605,
  "ml.r5.4xlarge": 1.21,
  "ml.g4dn.xlarge": 0.736,
  "ml.g4dn.2xlarge": 1.053,
  "ml.g4dn.4xlarge": 1.686,
  "ml.g5.xlarge": 1.408,
  "ml.g5.2xlarge": 1.515,
  "ml.g5.4xlarge": 2.03,
  "ml.g5.12xlarge": 7.09,
  "ml.p3.2xlarge": 3.825,
  "ml.p3.8xlarge": 14.688,
  "ml.p4d.24xlarge": 37.688,
};

export function hourlyPrice(instanceType: string | null | undefined): number | null {
  if (!instanceType) return null;
  return ON_DEMAND_USD_PER_HOUR[instanceType] ?? null;
}

/** instance price × count × billable hours, or null when the type or the time is unknown. */
export function approximateCost(
  instanceType: string | null | undefined,
  instanceCount: number | null | undefined,
  billableSeconds: number | null | undefined,
): number | null {
  const price = hourlyPrice(instanceType);
  if (price === null || billableSeconds === null || billableSeconds === undefined) return null;
  return price * Math.max(1, instanceCount ?? 1) * (billableSeconds / 3600);
}

/**
 * What one SageMaker job cost, approximately: instances × billable time × the on-demand price. With managed
 * spot training AWS bills less time than the job ran (BillableTimeInSeconds < TrainingTimeInSeconds); the
 * difference at the on-demand price is the spot saving. Jobs without billable time (processing, transform)
 * are billed for the time they ran. Null when the instance type is not in the table or no time is known.
 */
export function jobCost(job: {
  instanceType: string | null;
  instanceCount: number | null;
  billableSeconds: number | null;
  /** Seconds from the job's start to its end (training time), when known. */
  ranSeconds: number | null;
}): { usd: number; spotSavingsUsd: number } | null {
  const billable = job.billableSeconds ?? job.ranSeconds;
  const usd = approximateCost(job.instanceType, job.instanceCount, billable);
  if (usd === null) return null;
  const ran = job.ranSeconds ?? billable ?? 0;
  const saved = job.billableSeconds !== null && ran > job.billableSeconds ? ran - job.billableSeconds : 0;
  return { usd, spotSavingsUsd: approximateCost(job.instanceType, job.instanceCount, saved) ?? 0 };
}
