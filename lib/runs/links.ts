/**
 * Links out of Stepwise into the AWS console, and the run page's own URL. Pure
 * (no server imports) so the header and the step panel build them in the browser.
 */

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;

export function executionConsoleUrl(region: string, executionArn: string): string {
  return `${consoleBase(region)}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

const JOB_CONSOLE_PATH: Record<string, string> = {
  TRAINING: "jobs",
  PROCESSING: "processing-jobs",
  TRANSFORM: "transform-jobs",
  TUNING: "hyper-tuning-jobs",
};

const JOB_LOG_GROUP: Record<string, string> = {
  TRAINING: "/aws/sagemaker/TrainingJobs",
  PROCESSING: "/aws/sagemaker/ProcessingJobs",
  TRANSFORM: "/aws/sagemaker/TransformJobs",
  // A tuning job's trials are training jobs named after it.
  TUNING: "/aws/sagemaker/TrainingJobs",
};

export function sagemakerJobConsoleUrl(region: string, kind: string, name: string): string {
  const path = JOB_CONSOLE_PATH[kind] ?? "jobs";
  return `${consoleBase(region)}/sagemaker/home?region=${region}#/${path}/${encodeURIComponent(name)}`;
}

/** CloudWatch's console expects its own "$25"-escaped URI components inside the fragment. */
function cloudWatchEscape(value: string): string {
  return encodeURIComponent(value).replace(/%/g, "$25");
}

export function sagemakerJobLogsUrl(region: string, kind: string, name: string): string {
  const group = JOB_LOG_GROUP[kind] ?? JOB_LOG_GROUP.TRAINING ?? "";
  const filter = cloudWatchEscape(`?logStreamNameFilter=${name}`);
  return `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${cloudWatchEscape(group)}/log-events${filter}`;
}

/** The run page URL; `query` carries the view state (selected step, tab, zoom…). */
export function runPath(publicId: string, query?: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return `/runs/${encodeURIComponent(publicId)}${qs ? `?${qs}` : ""}`;
}
