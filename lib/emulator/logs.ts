/**
 * CloudWatch Logs, the part SageMaker jobs write and Stepwise reads: log groups
 * (`/aws/sagemaker/TrainingJobs`, `…/ProcessingJobs`, `…/TransformJobs`) holding one stream per job
 * container, and the awsJson1_1 API (`X-Amz-Target: Logs_20140328.<Op>`) of DescribeLogStreams and
 * GetLogEvents as the CloudWatch Logs API reference defines them:
 *
 * - GetLogEvents reads from the end by default (startFromHead false) and from the head when asked; a
 *   page is at most `limit` events (1–10,000, default 10,000) and at most 1 MB. Every answer carries
 *   nextForwardToken ("f/…") and nextBackwardToken ("b/…"); a token that reaches the end of the stream
 *   comes back unchanged. Tokens name a position in the stream (events are only ever appended), so a
 *   forward token taken at the end later reads exactly the events written since.
 * - DescribeLogStreams filters by prefix, orders by LogStreamName or LastEventTime (not both a prefix
 *   and LastEventTime), descending on request, `limit` 1–50 (default 50), with an opaque nextToken.
 * - A missing group or stream answers ResourceNotFoundException, a bad parameter
 *   InvalidParameterException, in the reference's words.
 *
 * What the jobs write is decided in sagemaker.ts (its log hooks); this module only stores and serves.
 */
import { createHash } from "node:crypto";
import { AwsError, isObject, type JsonObject } from "./util";

export const LOG_GROUPS = {
  training: "/aws/sagemaker/TrainingJobs",
  processing: "/aws/sagemaker/ProcessingJobs",
  transform: "/aws/sagemaker/TransformJobs",
} as const;

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface LogStream {
  name: string;
  creationTime: number;
  events: LogEvent[];
}

export interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
}

export interface LogsStore {
  account: string;
  region: string;
  groups: Map<string, LogGroup>;
}

export const newLogsStore = (account: string, region: string): LogsStore => ({ account, region, groups: new Map() });

/** Appends events to a stream, creating the group and the stream (at the first event's time) when new. */
export function putLogEvents(
  store: LogsStore,
  groupName: string,
  streamName: string,
  events: readonly { timestamp: number; message: string; ingestionTime?: number }[],
): void {
  const first = events[0];
  if (!first) return;
  let group = store.groups.get(groupName);
  if (!group) {
    group = { name: groupName, creationTime: first.timestamp, streams: new Map() };
    store.groups.set(groupName, group);
  }
  let stream = group.streams.get(streamName);
  if (!stream) {
    stream = { name: streamName, creationTime: first.timestamp, events: [] };
    group.streams.set(streamName, stream);
  }
  for (const e of events) {
    // CloudWatch Logs keeps events in timestamp order; the job clocks only move forward, so appending keeps it.
    stream.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime ?? e.timestamp });
  }
}

const invalid = (message: string) => new AwsError("InvalidParameterException", message);

export function logsOp(store: LogsStore, op: string, body: JsonObject): JsonObject {
  switch (op) {
    case "DescribeLogStreams":
      return describeLogStreams(store, body);
    case "GetLogEvents":
      return getLogEvents(store, body);
    default:
      throw new AwsError("UnknownOperationException", `Operation ${op} is not supported by this emulator`);
  }
}

function optionalString(body: JsonObject, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`1 validation error detected: Value at '${field}' must be a string`);
  return v;
}

function optionalInt(body: JsonObject, field: string, min: number, max: number): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const bound = typeof v === "number" && v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw invalid(
      `1 validation error detected: Value '${String(v)}' at '${field}' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  return v;
}

/** logGroupName or logGroupIdentifier (a name or the group's ARN), exactly one of them. */
function findGroup(store: LogsStore, body: JsonObject): LogGroup {
  const name = optionalString(body, "logGroupName");
  const identifier = optionalString(body, "logGroupIdentifier");
  if (name !== undefined && identifier !== undefined) {
    throw invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  let groupName = name ?? identifier;
  if (groupName === undefined) throw invalid("Either LogGroupName or LogGroupIdentifier must be provided.");
  const arn = /^arn:aws[\w-]*:logs:([^:]*):(\d{12}):log-group:(.+?)(:\*)?$/.exec(groupName);
  if (arn) {
    if (arn[1] !== store.region || arn[2] !== store.account) {
      throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
    }
    groupName = arn[3] ?? "";
  }
  if (groupName.length < 1 || groupName.length > 512 || !/^[.\-_/#A-Za-z0-9]+$/.test(groupName)) {
    throw invalid(
      "1 validation error detected: Value at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
  }
  const group = store.groups.get(groupName);
  if (!group) throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
  return group;
}

const streamArn = (store: LogsStore, group: LogGroup, stream: LogStream) =>
  `arn:aws:logs:${store.region}:${store.account}:log-group:${group.name}:log-stream:${stream.name}`;

function describeLogStreams(store: LogsStore, body: JsonObject): JsonObject {
  const group = findGroup(store, body);
  const prefix = optionalString(body, "logStreamNamePrefix");
  const orderBy = optionalString(body, "orderBy") ?? "LogStreamName";
  if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") {
    throw invalid(
      `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
    );
  }
  if (prefix !== undefined && orderBy === "LastEventTime") {
    throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  const descending = body.descending === true;
  const limit = optionalInt(body, "limit", 1, 50) ?? 50;
  const scope = `${group.name}|${prefix ?? ""}|${orderBy}|${descending}`;
  const token = optionalString(body, "nextToken");
  let offset = 0;
  if (token !== undefined) offset = readListToken(token, scope);

  const lastEvent = (s: LogStream) => s.events.at(-1)?.timestamp ?? s.creationTime;
  const streams = [...group.streams.values()]
    .filter((s) => prefix === undefined || s.name.startsWith(prefix))
    .sort((a, b) => {
      const order =
        orderBy === "LastEventTime" ? lastEvent(a) - lastEvent(b) || cmp(a.name, b.name) : cmp(a.name, b.name);
      return descending ? -order : order;
    });
  const page = streams.slice(offset, offset + limit);
  const out: JsonObject = {
    logStreams: page.map((s) => {
      const first = s.events[0];
      const last = s.events.at(-1);
      const entry: JsonObject = { logStreamName: s.name, creationTime: s.creationTime };
      if (first) entry.firstEventTimestamp = first.timestamp;
      if (last) {
        entry.lastEventTimestamp = last.timestamp;
        entry.lastIngestionTime = Math.max(...s.events.map((e) => e.ingestionTime));
      }
      entry.arn = streamArn(store, group, s);
      // Deprecated by AWS in 2019 and always reported as zero.
      entry.storedBytes = 0;
      return entry;
    }),
  };
  if (offset + limit < streams.length) out.nextToken = listToken(offset + limit, scope);
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function listToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: digest(scope) })).toString("base64url");
}

function readListToken(token: string, scope: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (isObject(parsed) && typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0) {
      if (parsed.s === digest(scope)) return parsed.o;
    }
  } catch {
    // falls through to the error below
  }
  throw invalid("The specified nextToken is invalid.");
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

// ─────────────────────────────── GetLogEvents ───────────────────────────────

/**
 * "f/" or "b/" and 56 digits, the shape of the reference's example tokens. The first 16 digits bind the token to its
 * stream, the last 40 hold the position (number of events before it).
 */
function eventToken(direction: "f" | "b", streamKey: string, position: number): string {
  const bind = BigInt(`0x${digest(streamKey)}`) % 10n ** 16n;
  return `${direction}/${bind.toString().padStart(16, "0")}${String(position).padStart(40, "0")}`;
}

function readEventToken(token: string, streamKey: string): { direction: "f" | "b"; position: number } {
  const m = /^([fb])\/(\d{16})(\d{40})$/.exec(token);
  const bind = (BigInt(`0x${digest(streamKey)}`) % 10n ** 16n).toString().padStart(16, "0");
  if (!m || m[2] !== bind) throw invalid("The specified nextToken is invalid.");
  const position = Number(m[3]);
  if (!Number.isSafeInteger(position)) throw invalid("The specified nextToken is invalid.");
  return { direction: m[1] as "f" | "b", position };
}

/** AWS counts each event's UTF-8 message plus 26 bytes against the 1 MB page. */
const PAGE_BYTES = 1_048_576;
const eventBytes = (e: LogEvent) => Buffer.byteLength(e.message, "utf8") + 26;

function getLogEvents(store: LogsStore, body: JsonObject): JsonObject {
  const streamName = optionalString(body, "logStreamName");
  if (streamName === undefined) {
    throw invalid(
      "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null",
    );
  }
  const group = findGroup(store, body);
  const stream = group.streams.get(streamName);
  if (!stream) throw new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
  const limit = optionalInt(body, "limit", 1, 10_000) ?? 10_000;
  const startTime = optionalInt(body, "startTime", 0, Number.MAX_SAFE_INTEGER);
  const endTime = optionalInt(body, "endTime", 0, Number.MAX_SAFE_INTEGER);
  const token = optionalString(body, "nextToken");
  const startFromHead = body.startFromHead === true;
  const key = `${group.name}|${stream.name}`;
  const n = stream.events.length;
  const inRange = (e: LogEvent) =>
    (startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp < endTime);

  // Direction and starting position: the token's own, else the head or the end of the stream.
  let direction: "f" | "b";
  let from: number;
  if (token !== undefined) {
    ({ direction, position: from } = readEventToken(token, key));
    from = Math.min(from, n);
  } else {
    direction = startFromHead ? "f" : "b";
    from = startFromHead ? 0 : n;
  }

  const picked: number[] = [];
  let bytes = 0;
  if (direction === "f") {
    for (let i = from; i < n && picked.length < limit; i++) {
      const e = stream.events[i] as LogEvent;
      if (!inRange(e)) continue;
      if (bytes + eventBytes(e) > PAGE_BYTES && picked.length > 0) break;
      bytes += eventBytes(e);
      picked.push(i);
    }
  } else {
    for (let i = from - 1; i >= 0 && picked.length < limit; i--) {
      const e = stream.events[i] as LogEvent;
      if (!inRange(e)) continue;
      if (bytes + eventBytes(e) > PAGE_BYTES && picked.length > 0) break;
      bytes += eventBytes(e);
      picked.push(i);
    }
    picked.reverse();
  }

  const firstPicked = picked[0];
  const lastPicked = picked.at(-1);
  // Past the last event shown going forward, at the first one going backward; unchanged when nothing was read.
  const forward = lastPicked === undefined ? from : lastPicked + 1;
  const backward = firstPicked === undefined ? from : firstPicked;
  const events = picked.map((i) => {
    const e = stream.events[i] as LogEvent;
    return { timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime };
  });
  return {
    events,
    nextForwardToken:
      token !== undefined && direction === "f" && picked.length === 0 ? token : eventToken("f", key, forward),
    nextBackwardToken:
      token !== undefined && direction === "b" && picked.length === 0 ? token : eventToken("b", key, backward),
  };
}
