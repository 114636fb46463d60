/**
 * Redriving a Map Run end to end (issue 19): AWS redrives a distributed Map's unsuccessful child executions by
 * redriving the PARENT execution, so the Map Run view's "Redrive failed items" is the run's redrive action. Against
 * the in-process emulator (real SDK clients) and real Postgres: who may (403, and nothing reaches Step Functions),
 * a role without states:RedriveExecution (the message names it), a parent that is not redrivable (409), and the
 * Map Run row following the redrive (redriveCount, redriveDate, pendingRedrive, then every item succeeded).
 */
import { ListExecutionsCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as redriveRoute } from "@/app/api/v1/runs/[runId]/redrive/route";
import { GET as getRunRoute } from "@/app/api/v1/runs/[runId]/route";
import type { Principal } from "@/lib/auth/principal";
import { findActiveSession, sessionPrincipal } from "@/lib/auth/session";
import { createTestSession, createTestUser, uniqueName } from "@/lib/auth/testing";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { DISTRIBUTED_MAP_DEFINITION, isWaiting, runToFailedMapRun, settleMapItem, until } from "@/lib/emulator/testing";
import { isAppError } from "@/lib/errors";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { publicIdFor } from "@/lib/sync/ids";
import { runSourcePass } from "@/lib/sync/pass";
import { createTestSource, reloadSource, sdkClient, startTestEmulator } from "@/lib/sync/testing";
import { redriveRun } from "./redrive-run";

async function principalFor(userId: string): Promise<{ principal: Principal; cookie: string }> {
  const { token, cookie } = await createTestSession({ userId });
  const session = await findActiveSession(token);
  if (!session) throw new Error("no session");
  return { principal: sessionPrincipal(session), cookie };
}

async function appErrorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an AppError");
}

type MapRunRow = {
  status: string;
  redrive_count: number;
  redrive_date: Date | null;
  item_counts: Record<string, number>;
};

describe("redriving a Map Run through its parent", () => {
  let emu: RunningEmulator;
  let sfn: SFNClient;
  let source: AwsSource;
  let executionArn: string;
  let publicId: string;
  let mapRunArn: string;
  let member: Awaited<ReturnType<typeof principalFor>>;
  let outsider: Awaited<ReturnType<typeof principalFor>>;
  let reviewer: Awaited<ReturnType<typeof principalFor>>;

  const pass = async () => runSourcePass(await reloadSource(source.key), { full: true });
  const redriveCalls = () => emu.stats().calls.RedriveExecution ?? 0;
  const mapRunRow = async () =>
    (
      await pool.query<MapRunRow>(
        "SELECT status, redrive_count, redrive_date, item_counts FROM map_run WHERE map_run_arn = $1",
        [mapRunArn],
      )
    ).rows[0];
  /** Waits for the child of item `name` to hold on its task, then settles it. */
  const settle = async (name: string, outcome: "fail" | "ok") => {
    const status = await settleMapItem(emu, sfn, {
      mapRunArn,
      name,
      outcome,
      reason: `shard ${name} has no click logs`,
    });
    expect(status).toBe(200);
  };

  beforeAll(async () => {
    emu = await startTestEmulator({ demo: false, taskMode: "manual" });
    sfn = sdkClient(emu);
    source = await createTestSource(emu);
    const team = uniqueName("map-redrive-team");
    const machine = emu.createStateMachine({
      name: uniqueName("map-redrive"),
      definition: JSON.stringify(DISTRIBUTED_MAP_DEFINITION),
      tags: { team },
    });
    ({ executionArn, mapRunArn } = await runToFailedMapRun(emu, sfn, {
      stateMachineArn: machine.arn,
      shards: ["a", "b", "c"],
      reason: (name) => `shard ${name} has no click logs`,
    }));
    publicId = publicIdFor(executionArn);
    await pass();
    const { user: memberUser } = await createTestUser({ teams: [{ slug: team }] });
    const { user: outsiderUser } = await createTestUser({ teams: [{ slug: uniqueName("other") }] });
    const { user: reviewerUser } = await createTestUser({ teams: [{ slug: team, role: "REVIEWER" }] });
    member = await principalFor(memberUser.id);
    outsider = await principalFor(outsiderUser.id);
    reviewer = await principalFor(reviewerUser.id);
  });

  afterAll(async () => {
    emu?.setFaults({});
    await emu?.stop();
    if (source) await pool.query("DELETE FROM aws_source WHERE id = $1", [source.id]);
  });

  it("stores the failed Map Run with its failed items and no redrive yet", async () => {
    expect(await mapRunRow()).toMatchObject({
      status: "FAILED",
      redrive_count: 0,
      redrive_date: null,
      item_counts: expect.objectContaining({ total: 3, succeeded: 1, failed: 2, pendingRedrive: 0 }),
    });
  });

  it("refuses users without write permission on the team with 403, and sends nothing to AWS", async () => {
    const before = redriveCalls();
    expect(await appErrorOf(redriveRun({ principal: outsider.principal, publicId }))).toMatchObject({
      code: "forbidden",
    });
    expect(await appErrorOf(redriveRun({ principal: reviewer.principal, publicId }))).toMatchObject({
      code: "forbidden",
    });
    const refused = await redriveRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/redrive`, {
        method: "POST",
        headers: { cookie: outsider.cookie },
      }),
      { params: Promise.resolve({ runId: publicId }) },
    );
    expect(refused.status).toBe(403);
    expect(redriveCalls()).toBe(before);
    expect((await mapRunRow())?.redrive_count).toBe(0);
  });

  it("names the missing permission when the role may not call states:RedriveExecution", async () => {
    // The role lacks the IAM action: AccessDeniedException, worded as AWS words it.
    emu.setFaults({ "sfn:RedriveExecution": { deny: true } });
    try {
      const refused = await appErrorOf(redriveRun({ principal: member.principal, publicId }));
      expect(refused.code).toBe("forbidden");
      expect(refused.message).toContain("states:RedriveExecution");
      // The role's ARN from AWS's message is not passed on.
      expect(refused.message).not.toContain("assumed-role");
      const answer = await redriveRoute(
        new Request(`http://localhost/api/v1/runs/${publicId}/redrive`, {
          method: "POST",
          headers: { cookie: member.cookie },
        }),
        { params: Promise.resolve({ runId: publicId }) },
      );
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toContain(
        "states:RedriveExecution",
      );
    } finally {
      emu.setFaults({});
    }
    await pass();
    expect(await mapRunRow()).toMatchObject({ status: "FAILED", redrive_count: 0 });
  });

  it("redrives only the failed items; the Map Run row follows: redriveCount, redriveDate, pending redrive, success", async () => {
    const result = await redriveRun({ principal: member.principal, publicId });
    expect(result.action).toBe("redrive");
    // Child "0" runs again (held by the manual task mode) while child "1" waits its turn.
    let firstArn = "";
    await until(async () => {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn }));
      firstArn = executions.find((x) => x.name === "0" && x.status === "RUNNING")?.executionArn ?? "";
      return firstArn !== "" && (await isWaiting(emu, firstArn));
    });
    await pass();
    const during = await mapRunRow();
    expect(during).toMatchObject({
      status: "RUNNING",
      redrive_count: 1,
      item_counts: expect.objectContaining({ total: 3, succeeded: 1, running: 1, failed: 0, pendingRedrive: 1 }),
    });
    expect(during?.redrive_date).toBeInstanceOf(Date);

    await settle("0", "ok");
    await settle("1", "ok");
    await emu.waitForExecution(executionArn);
    await pass();
    expect(await mapRunRow()).toMatchObject({
      status: "SUCCEEDED",
      redrive_count: 1,
      item_counts: expect.objectContaining({ total: 3, succeeded: 3, failed: 0, pendingRedrive: 0 }),
    });
    const run = await getRunRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}`, { headers: { cookie: member.cookie } }),
      { params: Promise.resolve({ runId: publicId }) },
    );
    const body = (await run.json()) as {
      status: string;
      mapRuns: { redriveCount: number; redriveDate: string | null; itemCounts: { succeeded: number } }[];
    };
    expect(body.status).toBe("SUCCEEDED");
    expect(body.mapRuns).toHaveLength(1);
    expect(body.mapRuns[0]).toMatchObject({ redriveCount: 1, itemCounts: { succeeded: 3 } });
    expect(body.mapRuns[0]?.redriveDate).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("refuses a parent that is not redrivable (it succeeded) with 409, without calling AWS", async () => {
    const before = redriveCalls();
    expect(await appErrorOf(redriveRun({ principal: member.principal, publicId }))).toMatchObject({
      code: "conflict",
    });
    expect(redriveCalls()).toBe(before);
  });
});
