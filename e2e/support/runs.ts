/**
 * Runs on the demo AWS emulator, for specs that drive executions: its admin API (task mode, advancing a
 * held task), finding a past execution, starting a run as a user does (Re-run) and opening it by ARN.
 */
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { type APIRequestContext, expect, type Page } from "@playwright/test";

export const EMULATOR = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 2000}`;
export async function admin(request: APIRequestContext, path: string, body: Record<string, unknown> = {}) {
  const response = await request.post(`${EMULATOR}/__admin${path}`, { data: body });
  return { status: response.status(), body: (await response.json()) as Record<string, unknown> };
}

const sfn = new SFNClient({
  endpoint: EMULATOR,
  region: "eu-west-1",
  credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
});

/** A finished back-filled execution of the pipeline (synced by the sync's first full pass). */
export async function pastExecution(pipeline: string): Promise<string> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const machine = stateMachines.find((m) => m.name === pipeline);
  if (!machine?.stateMachineArn) throw new Error(`no state machine ${pipeline}`);
  const { executions = [] } = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn, statusFilter: "SUCCEEDED", maxResults: 100 }),
  );
  const oldest = executions.at(-1)?.executionArn;
  if (!oldest) throw new Error(`no finished execution of ${pipeline}`);
  return oldest;
}

/**
 * Starts a new run the way a user does: "Re-run" (here through its API twin, as Ada) of a past run. The
 * action syncs the new execution at once, so the test never waits for the sync's idle polling interval.
 */
export async function startRun(page: Page, pipeline: string): Promise<{ arn: string; publicId: string }> {
  const past = await openRun(page, await pastExecution(pipeline));
  const response = await page.request.post(`/api/v1/runs/${past}/rerun`, { data: {} });
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { executionArn: string; newRunPublicId: string };
  return { arn: body.executionArn, publicId: body.newRunPublicId };
}

export async function executionStatus(request: APIRequestContext, arn: string): Promise<string> {
  const response = await request.get(`${EMULATOR}/__admin/executions/${encodeURIComponent(arn)}`);
  return ((await response.json()) as { status: string }).status;
}

/** Releases the task the execution is holding (of `state`, when given) as soon as it is held. */
export async function advance(
  request: APIRequestContext,
  arn: string,
  options: { state?: string; fail?: string; error?: string } = {},
) {
  const body = {
    state: options.state,
    ...(options.fail ? { outcome: "fail", reason: options.fail, error: options.error } : {}),
  };
  await expect
    .poll(async () => (await admin(request, `/executions/${encodeURIComponent(arn)}/advance`, body)).status, {
      timeout: 60_000,
      intervals: [200],
    })
    .toBe(200);
}

/** Advances every held task until the execution has finished. */
export async function finish(request: APIRequestContext, arn: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await executionStatus(request, arn);
    if (status !== "RUNNING") return status;
    if (Date.now() > deadline) throw new Error(`${arn} still running`);
    await admin(request, `/executions/${encodeURIComponent(arn)}/advance`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Opens the run by its ARN (/runs?arn=…) once the sync has stored it; returns its public id. */
export async function openRun(page: Page, arn: string, query = ""): Promise<string> {
  await expect
    .poll(async () => (await page.goto(`/runs?arn=${encodeURIComponent(arn)}`))?.status(), {
      timeout: 90_000,
      intervals: [1000],
    })
    .toBe(200);
  await expect(page).toHaveURL(/\/runs\/[A-Za-z0-9]{10}$/);
  const publicId = new URL(page.url()).pathname.split("/").pop() ?? "";
  if (query) await page.goto(`/runs/${publicId}${query}`);
  return publicId;
}
