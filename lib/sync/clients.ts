/**
 * Real AWS SDK v3 clients per source, each with three layers of politeness:
 *
 * 1. A client-side token bucket per API (per source = account + region, shared by everything in this
 *    process), sized at a fraction (STEPWISE_AWS_QUOTA_SHARE, default 0.4) of Step Functions' documented
 *    API throttling buckets, so the sync alone never uses more than half of what the account has.
 *    Numbers (Standard workflows, "Quotas related to API action throttling",
 *    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html — the *smaller* "other
 *    regions" column, so the limits hold in every region):
 *      ListStateMachines 100 burst / 2 per s · DescribeStateMachine 200 / 20 · ListTagsForResource 100 / 1
 *      ListExecutions 100 / 2 · DescribeExecution 200 / 60 · GetExecutionHistory 400 / 20
 *      ListMapRuns 100 / 1 · DescribeMapRun 100 / 1
 *    → with the 0.4 share: ListExecutions 40 burst, 0.8/s; GetExecutionHistory 160, 8/s; etc.
 *    SageMaker and CloudWatch publish no per-API buckets for their Describe and List calls; we cap them at a modest
 *    40 burst / 20 per s (SageMaker) and 20 / 10 per s (CloudWatch GetMetricData, whose quota is 50 TPS).
 * 2. SDK retries with full-jitter exponential backoff (STEPWISE_AWS_MAX_ATTEMPTS, default 10) on
 *    throttling, 5xx and transient network errors. We plug our own RetryStrategyV2 instead of the SDK's
 *    "standard"/"adaptive" ones because those also keep a retry *quota* (500 tokens, 5 per retry) that
 *    drains under sustained throttling and then turns every throttle into a hard failure — exactly when
 *    retrying with backoff is what we need. Our bucket (1.) is what keeps the request rate in check.
 * 3. Request / connection timeouts (STEPWISE_AWS_TIMEOUT_MS, default 30 s) so a hung socket is retried.
 *
 * A middleware inside the retry loop counts every attempt, throttle and error into SyncCounters.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SFNClient } from "@aws-sdk/client-sfn";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  FinalizeRequestMiddleware,
  MetadataBearer,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
} from "@smithy/types";
import type { AwsSource } from "@/lib/generated/prisma/client";
import type { SyncClients, SyncCounters } from "./context";

/** Documented Step Functions buckets (other-regions column): [burst, refill per second]. */
export const SFN_DOCUMENTED_BUCKETS: Record<string, [number, number]> = {
  ListStateMachines: [100, 2],
  DescribeStateMachine: [200, 20],
  ListTagsForResource: [100, 1],
  ListExecutions: [100, 2],
  DescribeExecution: [200, 60],
  GetExecutionHistory: [400, 20],
  ListMapRuns: [100, 1],
  DescribeMapRun: [100, 1],
};
const SAGEMAKER_BUCKET: [number, number] = [40, 20];
const CLOUDWATCH_BUCKET: [number, number] = [20, 10];

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export function quotaShare(): number {
  return Math.min(0.5, envNumber("STEPWISE_AWS_QUOTA_SHARE", 0.4));
}

// ───────────────────────────── token buckets ─────────────────────────────

export class TokenBucket {
  private tokens: number;
  private at = Date.now();
  private queue: Promise<void> = Promise.resolve();
  constructor(
    readonly size: number,
    readonly refillPerSecond: number,
  ) {
    this.tokens = size;
  }
  /** Waits until a token is available and takes it; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.size, this.tokens + ((now - this.at) / 1000) * this.refillPerSecond);
        this.at = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        const waitMs = Math.ceil(((1 - this.tokens) / this.refillPerSecond) * 1000);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    });
    this.queue = turn;
    return turn;
  }
}

const holder = globalThis as typeof globalThis & { __stepwiseBuckets?: Map<string, TokenBucket> };
if (!holder.__stepwiseBuckets) holder.__stepwiseBuckets = new Map<string, TokenBucket>();
const buckets = holder.__stepwiseBuckets;

function bucketSpec(service: string, operation: string): [number, number] | null {
  const share = quotaShare();
  const scale = ([size, refill]: [number, number]): [number, number] => [
    Math.max(1, Math.floor(size * share)),
    refill * share,
  ];
  if (service === "sfn") {
    const documented = SFN_DOCUMENTED_BUCKETS[operation];
    return documented ? scale(documented) : null;
  }
  if (service === "sagemaker") return SAGEMAKER_BUCKET;
  if (service === "cloudwatch") return CLOUDWATCH_BUCKET;
  return null;
}

/** The bucket for one API of one account/region (process-wide), or null when the API is not limited. */
export function bucketFor(scope: string, service: string, operation: string): TokenBucket | null {
  const key = `${scope}|${service}:${operation}`;
  let bucket = buckets.get(key);
  if (!bucket) {
    const spec = bucketSpec(service, operation);
    if (!spec) return null;
    bucket = new TokenBucket(spec[0], spec[1]);
    buckets.set(key, bucket);
  }
  return bucket;
}

// ───────────────────────────── retries ─────────────────────────────

const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
]);

export function isThrottle(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLE_NAMES.has(e?.name ?? "") || e?.$metadata?.httpStatusCode === 429;
}

/** Full-jitter exponential backoff without a retry quota (see the top of this file for why). */
export function createRetryStrategy(maxAttempts = envNumber("STEPWISE_AWS_MAX_ATTEMPTS", 10)): RetryStrategyV2 {
  const token = (count: number, delay: number): RetryToken => ({
    getRetryCount: () => count,
    getRetryDelay: () => delay,
  });
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo) {
      const next = previous.getRetryCount() + 1;
      const retryable =
        info.errorType === "THROTTLING" || info.errorType === "TRANSIENT" || info.errorType === "SERVER_ERROR";
      if (!retryable || next >= maxAttempts) throw info.error ?? new Error("not retryable");
      const base = info.errorType === "THROTTLING" ? 500 : 100;
      const cap = 10_000;
      let delay = Math.random() * Math.min(cap, base * 2 ** (next - 1));
      if (info.retryAfterHint) delay = Math.max(delay, Math.min(cap, info.retryAfterHint.getTime() - Date.now()));
      return token(next, Math.round(delay));
    },
    recordSuccess: () => undefined,
  };
}

// ───────────────────────────── credentials ─────────────────────────────

const DEMO_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "stepwise-demo", secretAccessKey: "stepwise-demo" };

/** STS AssumeRole with the result cached until five minutes before it expires. */
function assumeRoleProvider(source: AwsSource): AwsCredentialIdentityProvider {
  const sts = new STSClient({ region: source.region, maxAttempts: 5 });
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60_000) return cached;
    pending ??= (async () => {
      try {
        const r = await sts.send(
          new AssumeRoleCommand({
            RoleArn: source.roleArn ?? "",
            RoleSessionName: `stepwise-sync-${source.key}`.slice(0, 64),
            ExternalId: source.externalId ?? undefined,
            DurationSeconds: 3600,
          }),
        );
        const c = r.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
        cached = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        };
        return cached;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

export function credentialsFor(source: AwsSource): AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined {
  if (source.key === "demo" && !source.roleArn) return DEMO_CREDENTIALS;
  if (source.roleArn) return assumeRoleProvider(source);
  return undefined; // the SDK's default credentials chain
}

// ───────────────────────────── clients ─────────────────────────────

/** IAM service prefix per client, as IAM policies and AccessDenied messages name actions. */
const IAM_PREFIX: Record<string, string> = { sfn: "states", sagemaker: "sagemaker", cloudwatch: "cloudwatch" };

/**
 * Counts every attempt and takes a bucket token before it; sits inside the retry loop. A failed attempt's
 * error is tagged with the IAM action it needed (`error.$action`, e.g. "states:GetExecutionHistory"), so
 * the sync can say which permission is missing (lib/sync/degrade.ts).
 */
function counterMiddleware<I extends object, O extends MetadataBearer>(
  service: string,
  scope: string,
  counters: SyncCounters,
): FinalizeRequestMiddleware<I, O> {
  return (next, context) => async (args) => {
    const operation = String(context.commandName ?? "Unknown").replace(/Command$/, "");
    const label = `${service}:${operation}`;
    await bucketFor(scope, service, operation)?.take();
    counters.call(label);
    try {
      return await next(args);
    } catch (error) {
      if (isThrottle(error)) counters.throttled(label);
      else counters.failed(label);
      if (error && typeof error === "object" && !("$action" in error)) {
        Object.defineProperty(error, "$action", { value: `${IAM_PREFIX[service] ?? service}:${operation}` });
      }
      throw error;
    }
  };
}

const COUNTER_STEP = { step: "finalizeRequest", priority: "low", name: "stepwiseCounters" } as const;

export function createClients(source: AwsSource, counters: SyncCounters): SyncClients {
  const timeoutMs = envNumber("STEPWISE_AWS_TIMEOUT_MS", 30_000);
  const config = {
    region: source.region,
    endpoint: source.endpoint ?? undefined,
    credentials: credentialsFor(source),
    maxAttempts: envNumber("STEPWISE_AWS_MAX_ATTEMPTS", 10),
    retryStrategy: createRetryStrategy(),
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: Math.min(timeoutMs, 5_000) },
  };
  const scope = `${source.accountId}/${source.region}/${source.endpoint ?? "aws"}`;
  const sfn = new SFNClient(config);
  const sagemaker = new SageMakerClient(config);
  const cloudwatch = new CloudWatchClient(config);
  sfn.middlewareStack.add(counterMiddleware("sfn", scope, counters), COUNTER_STEP);
  sagemaker.middlewareStack.add(counterMiddleware("sagemaker", scope, counters), COUNTER_STEP);
  cloudwatch.middlewareStack.add(counterMiddleware("cloudwatch", scope, counters), COUNTER_STEP);
  return { sfn, sagemaker, cloudwatch };
}

export function destroyClients(clients: SyncClients): void {
  clients.sfn.destroy();
  clients.sagemaker.destroy();
  clients.cloudwatch.destroy();
}
