/**
 * Run actions end to end against the in-process AWS emulator: who may stop / redrive / re-run (403 for
 * non-members, reviewers and read-only tokens, 409 for the wrong state), that the call really reaches
 * Step Functions, that the run row follows at once (immediate sync), and that the API answers are audited.
 */

import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as redriveRoute } from "@/app/api/v1/runs/[runId]/redrive/route";
import { GET as getRunRoute } from "@/app/api/v1/runs/[runId]/route";
import { GET as getStepRoute } from "@/app/api/v1/runs/[runId]/steps/[...key]/route";
import { GET as getStepsRoute } from "@/app/api/v1/runs/[runId]/steps/route";
import { POST as stopRoute } from "@/app/api/v1/runs/[runId]/stop/route";
import { expectAppError, routeContext } from "@/lib/api/testing";
import { createTestPrincipal, createTestToken, createTestUser, uniqueName } from "@/lib/auth/testing";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import { publicIdFor } from "@/lib/sync/ids";
import { runSourcePass } from "@/lib/sync/pass";
import { createTestSource, sdkClient, startTestEmulator } from "@/lib/sync/testing";
import { registerRunPaths } from "./openapi";
import { canActOnRun, runActionUnavailable } from "./permissions";
import { redriveRun } from "./redrive-run";
import { rerunName, rerunRun } from "./start-run";
import { stopRun } from "./stop-run";

const DEFINITION = {
  StartAt: "Work",
  States: {
    Work: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:work", "Payload.$": "$" },
      End: true,
    },
  },
};

describe("run actions", () => {
  let emu: RunningEmulator;
  let sfn: SFNClient;
  let sourceId: number;
  let teamSlug: string;
  let member: Awaited<ReturnType<typeof createTestPrincipal>>;
  let outsider: Awaited<ReturnType<typeof createTestPrincipal>>;
  let reviewer: Awaited<ReturnType<typeof createTestPrincipal>>;
  let executionArn: string;
  let publicId: string;

  const status = async (arn: string) => (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status;
  const runRow = async (id: string) =>
    (await pool.query("SELECT status, redrive_count FROM run WHERE public_id = $1", [id])).rows[0] as
      | { status: string; redrive_count: number }
      | undefined;

  beforeAll(async () => {
    emu = await startTestEmulator({ demo: false, taskMode: "manual" });
    sfn = sdkClient(emu);
    const source = await createTestSource(emu);
    sourceId = source.id;
    teamSlug = uniqueName("runs-team");
    const machine = emu.createStateMachine({
      name: uniqueName("runs-actions"),
      definition: JSON.stringify(DEFINITION),
      tags: { team: teamSlug },
    });
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.arn,
        name: uniqueName("exec"),
        input: JSON.stringify({ market: "de" }),
      }),
    );
    executionArn = started.executionArn ?? "";
    publicId = publicIdFor(executionArn);
    await runSourcePass(source, { full: true });
    const { user: memberUser } = await createTestUser({ teams: [{ slug: teamSlug }] });
    const { user: outsiderUser } = await createTestUser({ teams: [{ slug: uniqueName("other") }] });
    const { user: reviewerUser } = await createTestUser({ teams: [{ slug: teamSlug, role: "REVIEWER" }] });
    member = await createTestPrincipal(memberUser.id);
    outsider = await createTestPrincipal(outsiderUser.id);
    reviewer = await createTestPrincipal(reviewerUser.id);
  });

  afterAll(async () => {
    await emu?.stop();
    if (sourceId) await pool.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
  });

  it("decides availability by status and membership by team", () => {
    // A fixed "now": the 14-day redrive window is decided against it, not against the wall clock.
    const now = Date.UTC(2026, 5, 15, 12);
    const justNow = new Date(now - 60_000);
    expect(runActionUnavailable("stop", { status: "RUNNING", stoppedAt: null }, now)).toBeNull();
    expect(runActionUnavailable("stop", { status: "SUCCEEDED", stoppedAt: justNow }, now)).toMatch(/running/);
    expect(runActionUnavailable("redrive", { status: "FAILED", stoppedAt: justNow }, now)).toBeNull();
    expect(runActionUnavailable("redrive", { status: "SUCCEEDED", stoppedAt: justNow }, now)).toMatch(/failed/);
    const old = new Date(now - 15 * 24 * 3600 * 1000);
    expect(runActionUnavailable("redrive", { status: "FAILED", stoppedAt: old }, now)).toMatch(/14 days/);
    const inside = new Date(now - 13 * 24 * 3600 * 1000);
    expect(runActionUnavailable("redrive", { status: "FAILED", stoppedAt: inside }, now)).toBeNull();
    expect(
      runActionUnavailable("redrive", { status: "FAILED", stoppedAt: null, pipelineType: "EXPRESS" }, now),
    ).toMatch(/Standard/);
    expect(runActionUnavailable("rerun", { status: "RUNNING", stoppedAt: null })).toBeNull();
    expect(canActOnRun(member.principal.user, { teamId: member.principal.user.teams[0]?.id ?? -1 })).toBe(true);
    expect(canActOnRun(outsider.principal.user, { teamId: member.principal.user.teams[0]?.id ?? -1 })).toBe(false);
    expect(canActOnRun(null, { teamId: 1 })).toBe(false);
    expect(rerunName("nightly-2026-11-26")).toMatch(/^nightly-2026-11-26-rerun-[0-9a-f]{6}$/);
    expect(rerunName(`${"x".repeat(90)}-rerun-abcdef`)).toHaveLength(80);
  });

  it("the sync linked the run to the team named by the state machine's tag", async () => {
    expect(await runRow(publicId)).toMatchObject({ status: "RUNNING" });
    const { rows } = await pool.query(
      "SELECT t.slug FROM run r JOIN pipeline p ON p.id = r.pipeline_id JOIN team t ON t.id = p.team_id WHERE r.public_id = $1",
      [publicId],
    );
    expect(rows[0]?.slug).toBe(teamSlug);
  });

  it("refuses non-members, reviewers and read-only tokens before calling AWS", async () => {
    await expectAppError(stopRun({ principal: outsider.principal, publicId }), "forbidden");
    await expectAppError(stopRun({ principal: reviewer.principal, publicId }), "forbidden");
    await expectAppError(redriveRun({ principal: outsider.principal, publicId }), "forbidden");
    await expectAppError(rerunRun({ principal: outsider.principal, publicId }), "forbidden");
    await expectAppError(
      stopRun({ principal: { ...member.principal, via: "token", canWrite: false }, publicId }),
      "forbidden",
    );
    await expectAppError(stopRun({ principal: member.principal, publicId: "no-such-run" }), "not_found");
    expect(await status(executionArn)).toBe("RUNNING");
  });

  it("answers 403 through the API for a non-member, and audits the refusal", async () => {
    const response = await stopRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/stop`, {
        method: "POST",
        headers: { cookie: outsider.cookie, "content-type": "application/json" },
        body: "{}",
      }),
      routeContext({ runId: publicId }),
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
    const { rows } = await pool.query(
      "SELECT outcome FROM audit_log WHERE action = 'run.stop' AND actor_id = $1 ORDER BY id DESC LIMIT 1",
      [outsider.principal.user.id],
    );
    expect(rows[0]?.outcome).toBe("denied");
    expect(await status(executionArn)).toBe("RUNNING");
  });

  it("refuses a redrive of a running run with 409", async () => {
    await expectAppError(redriveRun({ principal: member.principal, publicId }), "conflict");
  });

  it("stops for a member: Step Functions aborts, the run row follows at once, the audit says ok", async () => {
    const response = await stopRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/stop`, {
        method: "POST",
        headers: { cookie: member.cookie, "content-type": "application/json" },
        body: JSON.stringify({ reason: "wrong dataset" }),
      }),
      routeContext({ runId: publicId }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ action: "stop", publicId, executionArn });
    expect(await status(executionArn)).toBe("ABORTED");
    expect(await runRow(publicId)).toMatchObject({ status: "ABORTED" });
    const { rows } = await pool.query(
      "SELECT outcome, target_id, details FROM audit_log WHERE action = 'run.stop' AND actor_id = $1 ORDER BY id DESC LIMIT 1",
      [member.principal.user.id],
    );
    expect(rows[0]).toMatchObject({ outcome: "ok", target_id: publicId, details: { reason: "wrong dataset" } });
    // Stopping again is a conflict, not a second StopExecution.
    await expectAppError(stopRun({ principal: member.principal, publicId }), "conflict");
  });

  it("redrives the aborted run for a member (403 for others through the API)", async () => {
    const refused = await redriveRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/redrive`, {
        method: "POST",
        headers: { cookie: outsider.cookie },
      }),
      routeContext({ runId: publicId }),
    );
    expect(refused.status).toBe(403);
    const result = await redriveRun({ principal: member.principal, publicId });
    expect(result.action).toBe("redrive");
    expect(await status(executionArn)).toBe("RUNNING");
    expect(await runRow(publicId)).toMatchObject({ status: "RUNNING", redrive_count: 1 });
  });

  it("re-runs with the same input as a new execution", async () => {
    const result = await rerunRun({ principal: member.principal, publicId });
    expect(result.executionArn).not.toBe(executionArn);
    expect(result.newRunPublicId).toBe(publicIdFor(result.executionArn));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: result.executionArn }));
    expect(JSON.parse(described.input ?? "null")).toEqual({ market: "de" });
    expect(await runRow(result.newRunPublicId ?? "")).toMatchObject({ status: "RUNNING" });
  });

  it("serves the run, its steps and one step through the API (token auth), with 404 for unknown ids", async () => {
    const { token } = await createTestToken({ userId: outsider.principal.user.id });
    const auth = { authorization: `Bearer ${token}` };
    const run = await getRunRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}`, { headers: auth }),
      routeContext({ runId: publicId }),
    );
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({ publicId, executionArn, input: '{"market":"de"}', redriveCount: 1 });
    const byArn = await getRunRoute(
      new Request(`http://localhost/api/v1/runs/${encodeURIComponent(executionArn)}?payloads=0`, { headers: auth }),
      routeContext({ runId: executionArn }),
    );
    expect(await byArn.json()).toMatchObject({ publicId, input: null });
    const steps = await getStepsRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/steps`, { headers: auth }),
      routeContext({ runId: publicId }),
    );
    const list = (await steps.json()) as { steps: { key: string }[] };
    expect(list.steps.map((s) => s.key)).toContain("Work");
    const step = await getStepRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/steps/Work`, { headers: auth }),
      routeContext({ runId: publicId, key: ["Work"] }),
    );
    expect(step.status).toBe(200);
    expect(await step.json()).toMatchObject({ step: { key: "Work", stateType: "Task" } });
    const missing = await getRunRoute(
      new Request("http://localhost/api/v1/runs/nope", { headers: auth }),
      routeContext({ runId: "nope" }),
    );
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const badQuery = await getStepsRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}/steps?status=EXPLODED`, { headers: auth }),
      routeContext({ runId: publicId }),
    );
    expect(badQuery.status).toBe(400);
    const anonymous = await getRunRoute(
      new Request(`http://localhost/api/v1/runs/${publicId}`),
      routeContext({ runId: publicId }),
    );
    expect(anonymous.status).toBe(401);
  });

  it("describes the run operations in the OpenAPI document", () => {
    const registry = new OpenAPIRegistry();
    registerRunPaths(registry, [{ bearerToken: [] }]);
    const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
    });
    expect(Object.keys(document.paths ?? {})).toEqual(
      expect.arrayContaining([
        "/api/v1/runs/{runId}",
        "/api/v1/runs/{runId}/steps",
        "/api/v1/runs/{runId}/steps/{stepKey}",
        "/api/v1/runs/{runId}/stop",
        "/api/v1/runs/{runId}/redrive",
        "/api/v1/runs/{runId}/rerun",
      ]),
    );
    expect(JSON.stringify(document.components?.schemas ?? {})).toContain("StepSummary");
  });
});
