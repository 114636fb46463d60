/**
 * Shared by the tests that run a distributed Map in the emulator (lib/emulator/emulator.test.ts, the Map Run
 * redrive of lib/runs): its definition, and settling one item's child execution that manual task mode holds.
 * Not used by the product.
 */
import { ListExecutionsCommand, ListMapRunsCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { RunningEmulator } from "./index";

/**
 * A distributed Map over `$.shards`, one Standard child execution per item running one Lambda task. One child at
 * a time (MaxConcurrency 1): while a redriven child runs, the next unsuccessful one waits as PENDING_REDRIVE.
 */
export const DISTRIBUTED_MAP_DEFINITION = {
  StartAt: "Score",
  States: {
    Score: {
      Type: "Map",
      ItemsPath: "$.shards",
      MaxConcurrency: 1,
      Label: "Score",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "ScoreShard",
        States: {
          ScoreShard: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:score", "Payload.$": "$" },
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

/** Polls `check` (every 20 ms) until it holds; the test's own timeout bounds it. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

/** Whether the execution holds on a task that manual task mode keeps waiting. */
export async function isWaiting(emu: RunningEmulator, executionArn: string): Promise<boolean> {
  const response = await fetch(`${emu.url}/__admin/executions/${encodeURIComponent(executionArn)}`);
  return ((await response.json()) as { waiting: unknown[] }).waiting.length > 0;
}

/**
 * Waits for the running child execution of item `name` (its position, as the Map names its children) to hold on
 * its task, then lets it succeed or fails it with `reason`. Returns the emulator's answer status (200 when settled).
 */
export async function settleMapItem(
  emu: RunningEmulator,
  sfn: SFNClient,
  { mapRunArn, name, outcome, reason }: { mapRunArn: string; name: string; outcome: "fail" | "ok"; reason: string },
): Promise<number> {
  let arn = "";
  await until(async () => {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn }));
    arn = executions.find((x) => x.name === name && x.status === "RUNNING")?.executionArn ?? "";
    return arn !== "" && (await isWaiting(emu, arn));
  });
  const response = await fetch(`${emu.url}/__admin/executions/${encodeURIComponent(arn)}/advance`, {
    method: "POST",
    body: JSON.stringify(outcome === "fail" ? { outcome: "fail", reason } : {}),
  });
  return response.status;
}

/**
 * Starts an execution of a state machine of DISTRIBUTED_MAP_DEFINITION on three shards and runs it to its end with
 * a failed Map Run: items 0 and 1 fail (with `reason(name)`), item 2 succeeds. Manual task mode must be on.
 */
export async function runToFailedMapRun(
  emu: RunningEmulator,
  sfn: SFNClient,
  { stateMachineArn, shards, reason }: { stateMachineArn: string; shards: unknown[]; reason: (name: string) => string },
): Promise<{ executionArn: string; mapRunArn: string }> {
  const { executionArn = "" } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ shards }) }),
  );
  let mapRunArn = "";
  await until(async () => {
    mapRunArn = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns?.[0]?.mapRunArn ?? "";
    return mapRunArn !== "";
  });
  for (const [name, outcome] of [
    ["0", "fail"],
    ["1", "fail"],
    ["2", "ok"],
  ] as const) {
    const status = await settleMapItem(emu, sfn, { mapRunArn, name, outcome, reason: reason(name) });
    if (status !== 200) throw new Error(`item ${name} was not settled (${status})`);
  }
  await emu.waitForExecution(executionArn);
  return { executionArn, mapRunArn };
}
