/**
 * A tiny AWS stand-in that answers with the contract fixtures (lib/sync/contract/fixtures), on the same
 * wire protocols as AWS: awsJson1_0 for Step Functions (`X-Amz-Target: AWSStepFunctions.<Op>`) and
 * CloudWatch (`GraniteServiceVersion20100801.<Op>`, query-compatible errors), awsJson1_1 for SageMaker
 * (`SageMaker.<Op>`). The unmodified SDK clients of the sync talk to it through an endpoint override.
 *
 * It holds no logic of AWS's own beyond choosing which hand-written payload answers a request: by the
 * request's key field (ARN, name; for GetMetricData the Host dimension and the Period), by pagination token (the fixtures' own `nextToken`s chain the pages),
 * and for GetExecutionHistory by `reverseOrder` and a page size, so the sync's newest-first paging is
 * exercised against AWS-shaped tokens. A fixture entry `{ __error: { type, message, status } }` answers
 * with that AWS error. Every call is counted per operation.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Answer = JsonObject | { __error: { type: string; message: string; status?: number } };

/** Pages of one listing, in order; each page but the last carries the token of the next. */
export type Pages = JsonObject[];

export type ContractAccount = {
  sfn: {
    ListStateMachines: Pages;
    DescribeStateMachine: Record<string, Answer>;
    ListTagsForResource: Record<string, Answer>;
    ListExecutions: Record<string, Pages | Answer>;
    DescribeExecution: Record<string, Answer>;
    /** Events in ascending id order; served newest-first when asked so, `historyPageSize` per page. */
    GetExecutionHistory: Record<string, JsonObject[]>;
    ListMapRuns?: Record<string, Pages>;
    DescribeMapRun?: Record<string, Answer>;
  };
  sagemaker: {
    DescribeTrainingJob: Record<string, Answer>;
    DescribeProcessingJob: Record<string, Answer>;
    DescribeTransformJob: Record<string, Answer>;
    ListModelPackageGroups: Pages;
    ListModelPackages: Record<string, Pages>;
    DescribeModelPackage: Record<string, Answer>;
    ListTags: Record<string, Answer>;
    ListModelCards: Pages;
    /** By card name; the newest version, and `<name>#<version>` for older ones. */
    DescribeModelCard: Record<string, Answer>;
  };
  cloudwatch: {
    /** By the Host dimension and the Period the query asks for (`<job>/algo-1 @<period>`). */
    GetMetricData: Record<string, Pages>;
  };
  historyPageSize: number;
};

const SERVICES: Record<string, { name: "sfn" | "sagemaker" | "cloudwatch"; contentType: string }> = {
  AWSStepFunctions: { name: "sfn", contentType: "application/x-amz-json-1.0" },
  SageMaker: { name: "sagemaker", contentType: "application/x-amz-json-1.1" },
  GraniteServiceVersion20100801: { name: "cloudwatch", contentType: "application/x-amz-json-1.0" },
};

export type ContractServer = {
  url: string;
  calls: Record<string, number>;
  /** Request bodies per "service:Operation", in order. */
  requests: Record<string, JsonObject[]>;
  stop(): Promise<void>;
};

class Refusal extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function answer(a: Answer | undefined, what: string, notFound: string): JsonObject {
  if (!a) throw new Refusal(notFound, `${what} not found`);
  if ("__error" in a && isObject(a.__error)) {
    const e = a.__error as { type: string; message: string; status?: number };
    throw new Refusal(e.type, e.message, e.status ?? 400);
  }
  return a as JsonObject;
}

/** The page after the one whose token the request sends (the first page without a token). */
function page(pages: Pages, token: unknown, tokenField: string): JsonObject {
  if (token === undefined || token === null) return pages[0] ?? {};
  const at = pages.findIndex((p) => p[tokenField] === token);
  const next = at >= 0 ? pages[at + 1] : undefined;
  if (!next) throw new Refusal("InvalidToken", `Invalid Token: '${String(token)}'`);
  return next;
}

function history(events: JsonObject[], body: JsonObject, size: number, arn: string): JsonObject {
  const reverse = body.reverseOrder === true;
  const ordered = reverse ? [...events].reverse() : events;
  const start = typeof body.nextToken === "string" ? Number(body.nextToken.split(":").at(-1)) : 0;
  if (!Number.isInteger(start) || start < 0 || start > ordered.length) {
    throw new Refusal("InvalidToken", "Invalid Token: 'Unable to parse token'");
  }
  const max = typeof body.maxResults === "number" && body.maxResults > 0 ? Math.min(body.maxResults, size) : size;
  const slice = ordered.slice(start, start + max);
  const out: JsonObject = { events: slice };
  // AWS tokens are opaque; this one only has to be stable and tied to the execution.
  if (start + max < ordered.length)
    out.nextToken = `AAAAKgAAAAIAAAAA${Buffer.from(arn).toString("base64")}:${start + max}`;
  return out;
}

function route(account: ContractAccount, service: string, op: string, body: JsonObject): JsonObject {
  const sfn = account.sfn;
  const sm = account.sagemaker;
  const key = (field: string) => String(body[field] ?? "");
  if (service === "sfn") {
    switch (op) {
      case "ListStateMachines":
        return page(sfn.ListStateMachines, body.nextToken, "nextToken");
      case "DescribeStateMachine":
        return answer(sfn.DescribeStateMachine[key("stateMachineArn")], "State machine", "StateMachineDoesNotExist");
      case "ListTagsForResource":
        return answer(sfn.ListTagsForResource[key("resourceArn")], "Resource", "ResourceNotFound");
      case "ListExecutions": {
        const entry = sfn.ListExecutions[key("stateMachineArn")];
        if (!entry) throw new Refusal("StateMachineDoesNotExist", "State Machine Does Not Exist");
        if (!Array.isArray(entry)) return answer(entry, "State machine", "StateMachineDoesNotExist");
        return page(entry, body.nextToken, "nextToken");
      }
      case "DescribeExecution":
        return answer(sfn.DescribeExecution[key("executionArn")], "Execution", "ExecutionDoesNotExist");
      case "GetExecutionHistory": {
        const events = sfn.GetExecutionHistory[key("executionArn")];
        if (!events) throw new Refusal("ExecutionDoesNotExist", `Execution Does Not Exist: '${key("executionArn")}'`);
        return history(events, body, account.historyPageSize, key("executionArn"));
      }
      case "ListMapRuns":
        return page(sfn.ListMapRuns?.[key("executionArn")] ?? [{ mapRuns: [] }], body.nextToken, "nextToken");
      case "DescribeMapRun":
        return answer(sfn.DescribeMapRun?.[key("mapRunArn")], "Map Run", "ResourceNotFound");
    }
  } else if (service === "sagemaker") {
    switch (op) {
      case "DescribeTrainingJob":
        return answer(sm.DescribeTrainingJob[key("TrainingJobName")], "Requested resource", "ResourceNotFound");
      case "DescribeProcessingJob":
        return answer(sm.DescribeProcessingJob[key("ProcessingJobName")], "Requested resource", "ResourceNotFound");
      case "DescribeTransformJob":
        return answer(sm.DescribeTransformJob[key("TransformJobName")], "Requested resource", "ResourceNotFound");
      case "ListModelPackageGroups":
        return page(sm.ListModelPackageGroups, body.NextToken, "NextToken");
      case "ListModelPackages":
        return page(sm.ListModelPackages[key("ModelPackageGroupName")] ?? [{}], body.NextToken, "NextToken");
      case "DescribeModelPackage":
        return answer(sm.DescribeModelPackage[key("ModelPackageName")], "Model package", "ValidationException");
      case "ListTags":
        return answer(sm.ListTags[key("ResourceArn")] ?? { Tags: [] }, "Resource", "ResourceNotFound");
      case "ListModelCards":
        return page(sm.ListModelCards, body.NextToken, "NextToken");
      case "DescribeModelCard": {
        const version = typeof body.ModelCardVersion === "number" ? `#${body.ModelCardVersion}` : "";
        const found =
          sm.DescribeModelCard[`${key("ModelCardName")}${version}`] ?? sm.DescribeModelCard[key("ModelCardName")];
        return answer(found, "Model card", "ResourceNotFound");
      }
    }
  } else if (op === "GetMetricData") {
    const queries = Array.isArray(body.MetricDataQueries) ? body.MetricDataQueries.filter(isObject) : [];
    const stat = queries[0]?.MetricStat;
    const metric = isObject(stat) ? stat.Metric : undefined;
    const dims = isObject(metric) && Array.isArray(metric.Dimensions) ? metric.Dimensions.filter(isObject) : [];
    const host = String(dims.find((d) => d.Name === "Host")?.Value ?? "");
    const period = isObject(stat) ? stat.Period : undefined;
    const pages = account.cloudwatch.GetMetricData[`${host} @${period}`];
    // Data the fixtures do not hold at this Period: every query answered, without datapoints.
    if (!pages) {
      const empty = queries.map((q) => ({ Id: q.Id ?? "", Timestamps: [], Values: [], StatusCode: "Complete" }));
      return { MetricDataResults: empty, Messages: [] };
    }
    return page(pages, body.NextToken, "NextToken");
  }
  throw new Refusal("UnknownOperationException", `Operation ${op} is not answered by the contract fixtures`);
}

export async function startContractServer(account: ContractAccount): Promise<ContractServer> {
  const calls: Record<string, number> = {};
  const requests: Record<string, JsonObject[]> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const [prefix = "", op = ""] = String(req.headers["x-amz-target"] ?? "").split(".");
      const service = SERVICES[prefix];
      const contentType = service?.contentType ?? "application/x-amz-json-1.0";
      const send = (status: number, payload: JsonObject, headers: Record<string, string> = {}) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          "content-type": contentType,
          "content-length": Buffer.byteLength(text),
          "x-amzn-requestid": "contract-fixture",
          ...headers,
        });
        res.end(text);
      };
      try {
        if (!service) throw new Refusal("UnknownOperationException", "unknown target");
        const label = `${service.name}:${op}`;
        calls[label] = (calls[label] ?? 0) + 1;
        const text = Buffer.concat(chunks).toString("utf8");
        const body = text ? (JSON.parse(text) as JsonObject) : {};
        const seen = requests[label] ?? [];
        seen.push(body);
        requests[label] = seen;
        send(200, route(account, service.name, op, body));
      } catch (error) {
        const refusal = error instanceof Refusal ? error : new Refusal("InternalServerError", String(error), 500);
        send(
          refusal.status,
          { __type: refusal.type, message: refusal.message },
          {
            "x-amzn-errortype": refusal.type,
            ...(service?.name === "cloudwatch"
              ? { "x-amzn-query-error": `${refusal.type};${refusal.status >= 500 ? "Receiver" : "Sender"}` }
              : {}),
          },
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
