/**
 * The route inventory: every page, route handler and server action of THIS build (read from the
 * build's own manifests in the e2e dist dir, never from a list kept by hand) is attacked the way an
 * outsider would, and the suite fails when the build has a route the table below does not cover (or
 * the table names a route the build no longer has).
 *
 * For every route, as a full page request, as a client navigation (RSC) request and as prefetches
 * (metadata-only and segment-tree): no credentials, a forged session cookie, an idle-expired and an
 * absolutely expired session, a revoked session, a revoked and an expired API token. Writes also get
 * a read-only token, a non-member of the owning team (token and session), and a cross-site Origin
 * with a valid admin session. Expected: pages redirect to login, APIs answer 401 JSON, forbidden
 * writes 403 — and never a byte of data (the answer contains none of the data the same URL shows a
 * signed-in user: pipeline, run, model, metric, team and user names, run ids).
 *
 * With a valid session every page states its SQL statement count (the app's own counter through
 * /api/metrics; the principal is one of them), and every dynamic parameter gets hostile values (a NUL
 * byte, 5,000 characters) that must answer 400/404, never 500.
 *
 * The per-route guard is the `guard` column of ROUTES; README.md's security section summarises it.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type APIRequestContext, type APIResponse, request as apiRequest, expect, test } from "@playwright/test";
import pg from "pg";
import { baseURL } from "../playwright.config";
import { numericTeamIds } from "../test/support/team-ids";
import { e2eEnv } from "./support/env";
import { ADA_STATE, NO_SESSION } from "./support/login";

test.describe.configure({ timeout: 300_000 });

// ───────────────────────────── the build ─────────────────────────────

type BuiltRoute = { entry: string; pattern: string; kind: "page" | "handler" };
type BuiltAction = { id: string; name: string; file: string; pages: string[] };

function readBuild(): { routes: BuiltRoute[]; actions: BuiltAction[] } {
  const dist = path.resolve(e2eEnv().distDir);
  const routeManifest = JSON.parse(readFileSync(path.join(dist, "app-path-routes-manifest.json"), "utf8")) as Record<
    string,
    string
  >;
  const routes = Object.entries(routeManifest).map(([entry, pattern]) => ({
    entry,
    pattern,
    kind: entry.endsWith("/page") ? ("page" as const) : ("handler" as const),
  }));
  const actionManifest = JSON.parse(
    readFileSync(path.join(dist, "server", "server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { exportedName?: string; filename?: string; workers: Record<string, unknown> }> };
  const actions = Object.entries(actionManifest.node).map(([id, action]) => ({
    id,
    name: action.exportedName ?? id,
    file: action.filename ?? "",
    pages: Object.keys(action.workers).map((w) => `/${w.replace(/^app\//, "")}`),
  }));
  return { routes, actions };
}

// ───────────────────────────── the table ─────────────────────────────

type Samples = {
  pipelineId: number;
  runId: string;
  otherRunId: string;
  executionName: string;
  stepKey: string;
  /** A step of the run that started a SageMaker job (the logs route answers 404 for the others). */
  jobStepKey: string;
  modelId: number;
  version: number;
  baseRevision: number;
  team: string;
  /** An alert rule and a channel of `team` (seeded by the inventory, deleted after it). */
  ruleId: number;
  channelId: number;
  /** A saved view of the sample pipeline owned by `team` (seeded by the inventory, deleted after it). */
  viewId: string;
};

type Write = "write" | "team-write" | "admin-write";
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
type Access = "read" | { write: Write; body: (s: Samples) => unknown };
type Entry =
  | {
      kind: "page";
      guard: string;
      params?: (s: Samples) => Record<string, string>;
      query?: (s: Samples) => string;
      /**
       * SQL statements of one full page request with a valid session, the principal's one included.
       * The model-card pages are ~20: a card's lineage is read by lib/models/queries.ts loadCardLineage
       * in 15 Prisma queries (model, version, jobs, metrics, curves, revisions…), not one statement.
       */
      statements: number;
    }
  | {
      kind: "api";
      guard: string;
      params?: (s: Samples) => Record<string, string>;
      query?: (s: Samples) => string;
      methods: Partial<Record<Method, Access>>;
      /** Streams (SSE) or heavy renders: the positive control only reads the status. */
      streaming?: boolean;
    }
  | { kind: "public"; guard: string; check: (ctx: Context) => Promise<string[]> };

const ROUTES: Record<string, Entry> = {
  // ── pages: lib/dal reads check the principal; no principal → redirect to /login ──
  "/page": { kind: "page", guard: "session (requirePrincipal), then redirect to /pipelines", statements: 1 },
  "/(portal)/pipelines/page": { kind: "page", guard: "session (lib/dal/pipelines)", statements: 3 },
  "/(portal)/pipelines/[pipelineId]/page": {
    kind: "page",
    guard: "session (lib/dal/pipelines, metadata too)",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    statements: 3,
  },
  "/(portal)/pipelines/[pipelineId]/compare/page": {
    kind: "page",
    guard: "session (lib/dal/pipelines), ≤ 2 comparisons in flight per user",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    query: (s) => `runs=${s.runId},${s.otherRunId}`,
    statements: 3,
  },
  "/(portal)/pipelines/[pipelineId]/runs/[name]/page": {
    kind: "page",
    guard: "session (lib/dal/runs), then redirect to the run",
    params: (s) => ({ pipelineId: String(s.pipelineId), name: s.executionName }),
    statements: 2,
  },
  "/(portal)/runs/page": {
    kind: "page",
    guard: "session (lib/dal/runs), then redirect to the run",
    query: (s) => `id=${s.runId}`,
    statements: 2,
  },
  "/v/[viewId]/page": {
    kind: "page",
    guard: "session (lib/dal/views), then redirect to the view's pipeline page",
    params: (s) => ({ viewId: s.viewId }),
    statements: 2,
  },
  "/(portal)/runs/[runId]/page": {
    kind: "page",
    guard: "session (lib/dal/runs, metadata too); actions need team membership",
    params: (s) => ({ runId: s.runId }),
    statements: 2,
  },
  "/(portal)/models/page": { kind: "page", guard: "session (lib/dal/models)", statements: 4 },
  "/(portal)/alerts/page": {
    kind: "page",
    guard: "session (lib/dal/alerts); changes through /api/v1/alerts need team membership",
    statements: 4,
  },
  "/(portal)/models/[modelId]/page": {
    kind: "page",
    guard: "session (lib/dal/models, metadata too); edit/approve need team roles",
    params: (s) => ({ modelId: String(s.modelId) }),
    // The sampled version, not the page's default (newest approved, else newest): the card's lineage costs a
    // statement per run, job and revision it shows, so the default's count depends on what other specs made.
    query: (s) => `version=${s.version}`,
    statements: 20,
  },
  "/(portal)/models/[modelId]/versions/[version]/edit/page": {
    kind: "page",
    guard: "session (lib/dal/models); the form only for team members",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    statements: 20,
  },
  "/(portal)/models/[modelId]/versions/[version]/history/page": {
    kind: "page",
    guard: "session (lib/dal/models)",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    statements: 18,
  },
  "/(print)/models/[modelId]/versions/[version]/print/page": {
    kind: "page",
    guard: "session (lib/dal/models, metadata too)",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    statements: 16,
  },
  "/(portal)/settings/tokens/page": {
    kind: "page",
    guard: "session (lib/dal/account: the caller's own tokens)",
    statements: 2,
  },
  "/(portal)/admin/audit/page": {
    kind: "page",
    guard: "session + admin (lib/dal/account; others see a notice)",
    statements: 5,
  },

  // ── embeddable views (framable where STEPWISE_FRAME_ANCESTORS allows): lib/dal; no principal → /embed/signin ──
  "/(embed)/embed/runs/[runId]/page": {
    kind: "page",
    guard: "session (lib/dal/runs, metadata too); read-only",
    params: (s) => ({ runId: s.runId }),
    statements: 2,
  },
  "/(embed)/embed/pipelines/[pipelineId]/graph/page": {
    kind: "page",
    guard: "session (lib/dal/runs: the latest run, metadata too); read-only",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    statements: 3,
  },
  "/(embed)/embed/pipelines/[pipelineId]/metrics/page": {
    kind: "page",
    guard: "session (lib/dal/pipelines, metadata too)",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    statements: 2,
  },
  "/(embed)/embed/models/[modelId]/versions/[version]/page": {
    kind: "page",
    guard: "session (lib/dal/models, metadata too)",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    statements: 16,
  },
  "/(embed)/embed/signed-in/page": {
    kind: "page",
    guard: "session (requireUser): the end of the embed sign-in popup",
    statements: 1,
  },
  "/(embed-signin)/embed/signin/page": {
    kind: "public",
    guard: "public: a sign-in prompt without data (opens /login in a popup)",
    check: (ctx) => checkEmbedSignIn(ctx),
  },
  // ── route handlers: withApi (session or token, checked in Postgres) → 401 JSON ──
  "/api/v1/me/route": { kind: "api", guard: "withApi read", methods: { GET: "read" } },
  "/api/oembed/route": {
    kind: "api",
    guard: "withApi read (the title names the run)",
    query: (s) => `url=${encodeURIComponent(`/runs/${s.runId}`)}`,
    methods: { GET: "read" },
  },
  "/api/v1/openapi.json/route": { kind: "api", guard: "withApi read", methods: { GET: "read" } },
  "/api/v1/pipelines/route": { kind: "api", guard: "withApi read", methods: { GET: "read" } },
  "/api/v1/pipelines/[pipelineId]/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    methods: { GET: "read" },
  },
  "/api/v1/pipelines/[pipelineId]/runs/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    methods: { GET: "read" },
  },
  "/api/v1/pipelines/[pipelineId]/metrics/route": {
    kind: "api",
    guard: "withApi read, ≤ 4 in flight per user (429)",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    query: () => "names=validation:auc&width=400",
    methods: { GET: "read" },
  },
  "/api/v1/pipelines/[pipelineId]/training-curves/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    methods: { GET: "read" },
  },
  "/api/v1/pipelines/[pipelineId]/compare/route": {
    kind: "api",
    guard: "withApi read, ≤ 2 in flight per user (429)",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    query: (s) => `runs=${s.runId},${s.otherRunId}`,
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ runId: s.runId }),
    methods: { GET: "read" },
  },
  "/api/v1/alerts/rules/route": {
    kind: "api",
    guard: "withApi read; POST withApi write + owning-team member (admins for global rules)",
    methods: {
      GET: "read",
      POST: { write: "team-write", body: (s) => ({ name: "inventory", kind: "run_failed", team: s.team }) },
    },
  },
  "/api/v1/alerts/rules/[ruleId]/route": {
    kind: "api",
    guard: "withApi read; PUT/DELETE withApi write + owning-team member",
    params: (s) => ({ ruleId: String(s.ruleId) }),
    methods: {
      GET: "read",
      PUT: { write: "team-write", body: (s) => ({ name: "hijacked", kind: "run_failed", team: s.team }) },
      DELETE: { write: "team-write", body: () => undefined },
    },
  },
  "/api/v1/alerts/channels/route": {
    kind: "api",
    guard: "withApi read; POST withApi write + owning-team member",
    methods: {
      GET: "read",
      POST: {
        write: "team-write",
        body: (s) => ({ name: "inventory", kind: "webhook", team: s.team, target: "https://example.invalid/x" }),
      },
    },
  },
  "/api/v1/alerts/channels/[channelId]/route": {
    kind: "api",
    guard: "withApi write + owning-team member",
    params: (s) => ({ channelId: String(s.channelId) }),
    methods: { DELETE: { write: "team-write", body: () => undefined } },
  },
  "/api/v1/alerts/channels/[channelId]/deliveries/route": {
    kind: "api",
    guard: "withApi read + owning-team member (the delivery log)",
    params: (s) => ({ channelId: String(s.channelId) }),
    methods: { GET: "read" },
  },
  "/api/v1/inbox/route": { kind: "api", guard: "withApi read (the caller's own inbox)", methods: { GET: "read" } },
  "/api/v1/inbox/read/route": {
    kind: "api",
    guard: "withApi write (the caller's own entries)",
    methods: { POST: { write: "write", body: () => ({ all: true }) } },
  },
  "/api/v1/pipelines/[pipelineId]/watch/route": {
    kind: "api",
    guard: "withApi read; PUT withApi write (the caller's own watch)",
    params: (s) => ({ pipelineId: String(s.pipelineId) }),
    methods: { GET: "read", PUT: { write: "write", body: () => ({ watching: false }) } },
  },
  "/api/v1/views/route": {
    kind: "api",
    guard: "withApi read; POST withApi write (a team view: owning-team member)",
    query: (s) => `pipelineId=${s.pipelineId}`,
    methods: {
      GET: "read",
      POST: {
        write: "team-write",
        body: (s) => ({ pipelineId: s.pipelineId, name: "inventory view", params: {}, team: s.team }),
      },
    },
  },
  "/api/v1/views/[viewId]/route": {
    kind: "api",
    guard: "withApi read; DELETE withApi write + the view's owner or owning-team member",
    params: (s) => ({ viewId: s.viewId }),
    methods: { GET: "read", DELETE: { write: "team-write", body: () => undefined } },
  },
  "/api/v1/runs/[runId]/changes/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ runId: s.runId }),
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/logs/route": {
    kind: "api",
    guard: "withApi read (a job's CloudWatch Logs read on demand)",
    params: (s) => ({ runId: s.runId }),
    query: (s) => `step=${encodeURIComponent(s.jobStepKey)}`,
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/map-runs/executions/route": {
    kind: "api",
    guard: "withApi read (Map Run children read from Step Functions on demand)",
    params: (s) => ({ runId: s.runId }),
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/steps/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ runId: s.runId }),
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/steps/[...key]/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ runId: s.runId, key: s.stepKey }),
    methods: { GET: "read" },
  },
  "/api/v1/runs/[runId]/stop/route": {
    kind: "api",
    guard: "withApi write + owning-team member",
    params: (s) => ({ runId: s.runId }),
    methods: { POST: { write: "team-write", body: () => ({ reason: "route inventory" }) } },
  },
  "/api/v1/runs/[runId]/redrive/route": {
    kind: "api",
    guard: "withApi write + owning-team member",
    params: (s) => ({ runId: s.runId }),
    methods: { POST: { write: "team-write", body: () => ({}) } },
  },
  "/api/v1/runs/[runId]/rerun/route": {
    kind: "api",
    guard: "withApi write + owning-team member",
    params: (s) => ({ runId: s.runId }),
    methods: { POST: { write: "team-write", body: () => ({}) } },
  },
  "/api/v1/models/route": { kind: "api", guard: "withApi read", methods: { GET: "read" } },
  "/api/v1/models/[modelId]/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ modelId: String(s.modelId) }),
    methods: { GET: "read" },
  },
  "/api/v1/models/[modelId]/versions/[version]/card/route": {
    kind: "api",
    guard: "withApi read",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    methods: { GET: "read" },
  },
  "/api/v1/models/[modelId]/versions/[version]/card/revisions/route": {
    kind: "api",
    guard: "withApi write + owning-team member",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    methods: {
      POST: {
        write: "team-write",
        body: (s) => ({ baseRevision: s.baseRevision, content: {}, note: "route inventory" }),
      },
    },
  },
  "/api/v1/models/[modelId]/versions/[version]/card/status/route": {
    kind: "api",
    guard: "withApi write + owning-team member/reviewer (four eyes for approval)",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    methods: { POST: { write: "team-write", body: (s) => ({ baseRevision: s.baseRevision, status: "ARCHIVED" }) } },
  },
  "/api/v1/teams/[slug]/route": {
    kind: "api",
    guard: "withApi read; PATCH: write + team member",
    params: (s) => ({ slug: s.team }),
    methods: { GET: "read", PATCH: { write: "team-write", body: () => ({ name: "Hijacked by the inventory" }) } },
  },
  "/api/live/route": {
    kind: "api",
    guard: "withApi read (no idle slide), ≤ 20 streams per user, ≤ 2,000 per instance",
    query: () => "topics=pipelines",
    methods: { GET: "read" },
    streaming: true,
  },
  "/api/models/[modelId]/versions/[version]/pdf/route": {
    kind: "api",
    guard: "withApi read, browser session only, 1 per user (429), bounded queue (503)",
    params: (s) => ({ modelId: String(s.modelId), version: String(s.version) }),
    methods: { GET: "read" },
    streaming: true,
  },

  // ── public or with their own credential ──
  "/(auth)/login/page": { kind: "public", guard: "public: the sign-in page", check: (ctx) => checkLogin(ctx) },
  "/_not-found/page": { kind: "public", guard: "public: static 404", check: (ctx) => checkStatic(ctx, "/_not-found") },
  "/_global-error/page": {
    kind: "public",
    guard: "public: static error page",
    check: (ctx) => checkStatic(ctx, "/_global-error"),
  },
  "/api/auth/[...nextauth]/route": {
    kind: "public",
    guard: "next-auth (OIDC code flow, PKCE, state, nonce); session endpoint answers {} without a live session",
    check: (ctx) => checkNextAuth(ctx),
  },
  "/api/health/route": {
    kind: "public",
    guard: "public {status, db}; details: METRICS_TOKEN or an admin session",
    check: (ctx) => checkHealth(ctx),
  },
  "/api/metrics/route": {
    kind: "public",
    guard: "METRICS_TOKEN or a session",
    check: (ctx) => checkMetrics(ctx),
  },
  "/api/ingest/eventbridge/route": {
    kind: "public",
    guard: "x-stepwise-ingest-secret = EVENTBRIDGE_SECRET; body ≤ 1 MiB (413)",
    check: (ctx) => checkIngest(ctx),
  },
  "/api/[...path]/route": {
    kind: "public",
    guard: "withApi read: unknown /api paths → 401 without credentials, 404 JSON with them; 405 JSON from the proxy",
    check: (ctx) => checkUnknownApiPath(ctx),
  },
  "/api/v1/unauthenticated/route": {
    kind: "public",
    guard: "always 401 (the proxy's answer to API calls without credentials)",
    check: (ctx) => checkUnauthenticated(ctx),
  },
};

/** Server actions: each goes through withAction (session in Postgres) or ends the caller's own session. */
/**
 * `visible: false`: the action answers nothing (a form action returning void), so its refusal is checked
 * by its (absent) effect on the victim rows at the end.
 */
const ACTIONS: Record<
  string,
  { guard: string; args: (s: Samples, v: Victims) => unknown[]; write?: Write; visible?: boolean }
> = {
  signOutAction: { guard: "ends the caller's own session, if any", args: () => [] },
  signOutEverywhereAction: { guard: "ends the caller's own sessions, if any", args: () => [] },
  revokeSessionAction: {
    guard: "withAction + admin",
    args: (_s, v) => [{ sessionId: v.sessionId }],
    write: "admin-write",
    visible: false,
  },
  setFourEyesAction: {
    guard: "withAction + admin (audited setting)",
    args: () => [{ fourEyes: "off" }],
    write: "admin-write",
    visible: false,
  },
  createTokenAction: { guard: "withAction (own tokens)", args: () => [null, { name: "inventory" }] },
  revokeTokenAction: {
    guard: "withAction (own tokens, admins any)",
    args: (_s, v) => [{ tokenId: v.tokenId }],
    visible: false,
  },
  saveCardAction: {
    guard: "withAction + owning-team member",
    args: (s) => [
      null,
      { modelId: String(s.modelId), version: String(s.version), baseRevision: String(s.baseRevision) },
    ],
    write: "team-write",
  },
  setCardStatusAction: {
    guard: "withAction + owning-team member/reviewer",
    args: (s) => [
      null,
      {
        modelId: String(s.modelId),
        version: String(s.version),
        baseRevision: String(s.baseRevision),
        status: "ARCHIVED",
      },
    ],
    write: "team-write",
  },
  stopRunAction: {
    guard: "withAction + owning-team member",
    args: (s) => [{ publicId: s.runId }],
    write: "team-write",
  },
  redriveRunAction: {
    guard: "withAction + owning-team member",
    args: (s) => [{ publicId: s.runId }],
    write: "team-write",
  },
  rerunRunAction: {
    guard: "withAction + owning-team member",
    args: (s) => [{ publicId: s.runId }],
    write: "team-write",
  },
};

// ───────────────────────────── credentials and data ─────────────────────────────

type Credential = { name: string; headers: Record<string, string> };
type Victims = { sessionId: string; tokenId: string };
type Context = {
  api: APIRequestContext;
  samples: Samples;
  markers: string[];
  hostile: Credential[];
  ada: Credential;
  outsider: { session: Credential; token: Credential };
  readOnly: Credential;
  victims: Victims;
  metricsToken: string;
  ingestSecret: string;
};

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const rand = () => randomBytes(6).toString("hex");
const COOKIE = "stepwise.session";

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: e2eEnv().databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function newSession(userId: string, { idle = "1 hour", absolute = "1 day" } = {}): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await sql(
    `INSERT INTO session (id, session_token, user_id, expires, absolute_expires_at)
     VALUES ($1, $2, $3, (now() AT TIME ZONE 'UTC') + $4::interval, (now() AT TIME ZONE 'UTC') + $5::interval)`,
    [`inv-${rand()}`, sha256(token), userId, idle, absolute],
  );
  return token;
}

async function newToken(
  userId: string,
  { canWrite = false, expires = "1 day", revoked = false } = {},
): Promise<{ token: string; id: string }> {
  const token = `sw_${randomBytes(32).toString("base64url")}`;
  const id = `inv-${rand()}`;
  await sql(
    `INSERT INTO api_token (id, user_id, name, prefix, token_hash, can_write, expires_at, revoked_at)
     VALUES ($1, $2, 'route inventory', $3, $4, $5, (now() AT TIME ZONE 'UTC') + $6::interval,
             CASE WHEN $7 THEN now() AT TIME ZONE 'UTC' END)`,
    [id, userId, token.slice(0, 10), sha256(token), canWrite, expires, revoked],
  );
  return { token, id };
}

const cookie = (token: string): Credential["headers"] => ({ cookie: `${COOKIE}=${token}` });
const bearer = (token: string): Credential["headers"] => ({ authorization: `Bearer ${token}` });

async function json<T>(response: APIResponse): Promise<T> {
  expect(response.status(), `${response.url()} → ${response.status()}`).toBe(200);
  return (await response.json()) as T;
}

/** Demo data the sync has brought in: ids for every dynamic route, and the strings that are "data". */
async function loadSamples(api: APIRequestContext, ada: Credential): Promise<{ samples: Samples; markers: string[] }> {
  const headers = ada.headers;
  let found: Samples | null = null;
  const markers = new Set<string>(["ada@stepwise.local", "Ada Lovelace"]);
  await expect(async () => {
    type Pipelines = { pipelines: { id: number; name: string }[] };
    type Runs = { runs: { publicId: string; name: string }[] };
    type Models = { models: { id: number; name: string }[] };
    type Model = { versions: { version: number; cardStatus: string | null; run: { publicId: string } | null }[] };
    const pipelines = await json<Pipelines>(await api.get("/api/v1/pipelines?limit=50", { headers }));
    for (const p of pipelines.pipelines) markers.add(p.name);
    const models = await json<Models>(await api.get("/api/v1/models", { headers }));
    for (const m of models.models) markers.add(m.name);
    let pipeline: { id: number; runs: Runs["runs"] } | null = null;
    // A demo pipeline whose runs train on SageMaker (other specs seed pipelines whose runs have no steps or jobs).
    for (const p of pipelines.pipelines.filter((q) => q.name === "size-recommendation-training")) {
      const runs = await json<Runs>(await api.get(`/api/v1/pipelines/${p.id}/runs?limit=20`, { headers }));
      if (runs.runs.length >= 2) {
        pipeline = { id: p.id, runs: runs.runs };
        break;
      }
    }
    if (!pipeline) throw new Error("no pipeline with two runs yet");
    // A version with everything a card can have (a run, its jobs, an imported card), so the card pages'
    // statement counts are those of a full card, the same in every run.
    const model = models.models.find((m) => m.name === "size-recommendation");
    if (!model) throw new Error("no size-recommendation model yet");
    const detail = await json<Model>(await api.get(`/api/v1/models/${model.id}`, { headers }));
    const version = detail.versions.find((v) => v.cardStatus !== null && v.run !== null);
    if (!version) throw new Error("no version with a run and an imported card yet");
    // A run with a SageMaker job's step (the logs route answers 404 for any other step): the newest run may
    // still be before its training step, or its job not linked yet by the sync.
    type Steps = { steps: { key: string; jobName: string | null }[] };
    let run: Runs["runs"][number] | undefined;
    let steps: Steps = { steps: [] };
    for (const candidate of pipeline.runs) {
      steps = await json<Steps>(await api.get(`/api/v1/runs/${candidate.publicId}/steps`, { headers }));
      if (steps.steps.some((s) => s.jobName)) {
        run = candidate;
        break;
      }
    }
    if (!run) throw new Error("no run with a SageMaker job's step yet");
    const other = pipeline.runs.find((r) => r.publicId !== run.publicId);
    if (!other) throw new Error("unreachable");
    const step = steps.steps[0];
    if (!step) throw new Error("no steps yet");
    const card = await json<{ latestRevision?: number; revision?: number }>(
      await api.get(`/api/v1/models/${model.id}/versions/${version.version}/card`, { headers }),
    );
    const runDetail = await json<{ executionArn: string }>(await api.get(`/api/v1/runs/${run.publicId}`, { headers }));
    const detailOfPipeline = await json<{ metricNames: string[] }>(
      await api.get(`/api/v1/pipelines/${pipeline.id}`, { headers }),
    );
    for (const r of pipeline.runs) {
      markers.add(r.publicId);
      markers.add(r.name);
    }
    for (const name of detailOfPipeline.metricNames) markers.add(name);
    found = {
      pipelineId: pipeline.id,
      runId: run.publicId,
      otherRunId: other.publicId,
      executionName: runDetail.executionArn.split(":").pop() ?? run.name,
      stepKey: step.key,
      jobStepKey: steps.steps.find((s) => s.jobName)?.key ?? "",
      modelId: model.id,
      version: version.version,
      baseRevision: card.latestRevision ?? card.revision ?? 0,
      team: "fit-and-size",
      ruleId: 0,
      channelId: 0,
      viewId: "",
    };
  }).toPass({ timeout: 240_000, intervals: [2_000, 5_000] });
  if (!found) throw new Error("unreachable");
  // Short common words could appear in any page's chrome; data markers are specific strings.
  return { samples: found, markers: [...markers].filter((m) => m.length >= 8) };
}

// ───────────────────────────── requests ─────────────────────────────

function concretePath(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/\[\[?(\.\.\.)?([^\]]+)\]?\]/g, (_m, rest: string | undefined, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no sample for [${name}] in ${pattern}`);
    // A catch-all takes a path; any other parameter is one segment, slashes and dots encoded.
    return rest
      ? value
          .split("/")
          .map((part) => encodeURIComponent(part))
          .join("/")
      : encodeURIComponent(value).replaceAll(".", "%2E");
  });
}

/** The router state a client that already shows every layout of `entry` sends (only the page is refetched). */
function stateTree(entry: string, params: Record<string, string>): string {
  const segments = entry.split("/").slice(1, -1);
  let node: unknown[] = ["__PAGE__", {}, null, "refetch", 0];
  for (const segment of segments.reverse()) {
    const dynamic = /^\[(\.\.\.)?([^\]]+)\]$/.exec(segment);
    const key = dynamic ? [dynamic[2], params[dynamic[2] ?? ""] ?? "", dynamic[1] ? "c" : "d", null] : segment;
    node = [key, { children: node }, null, null, 0];
  }
  return encodeURIComponent(JSON.stringify(["", { children: node }, null, null, 16]));
}

const METADATA_ONLY = encodeURIComponent(JSON.stringify(["", {}, null, "metadata-only"]));

type Form = { name: string; headers: (entry: string, params: Record<string, string>) => Record<string, string> };
const FORMS: Form[] = [
  { name: "full request", headers: () => ({}) },
  {
    name: "client navigation (RSC)",
    headers: (entry, params) => ({
      rsc: "1",
      "next-router-state-tree": stateTree(entry, params),
      "next-url": "/pipelines",
    }),
  },
  {
    name: "metadata prefetch",
    headers: () => ({
      rsc: "1",
      "next-router-prefetch": "1",
      "next-router-state-tree": METADATA_ONLY,
      "next-url": "/pipelines",
    }),
  },
  {
    name: "segment prefetch",
    headers: () => ({
      rsc: "1",
      "next-router-prefetch": "1",
      "next-router-segment-prefetch": "/_tree",
      "next-url": "/pipelines",
    }),
  },
];

type Answer = { status: number; location: string; body: string; contentType: string; headers: Record<string, string> };

/**
 * One request, with exactly the headers given: Node's fetch keeps no cookie jar (a Playwright request
 * context would store a Set-Cookie from one answer and send it with the next "no credentials" request).
 * RSC requests first get a redirect that only adds the `_rsc` cache key: that one is followed.
 */
async function send(
  _api: APIRequestContext,
  method: string,
  url: string,
  headers: Record<string, string>,
  data?: unknown,
): Promise<Answer> {
  const body = data === undefined ? undefined : typeof data === "string" ? data : JSON.stringify(data);
  const once = (target: string) => fetch(new URL(target, baseURL), { method, headers, body, redirect: "manual" });
  let response = await once(url);
  const location = response.headers.get("location") ?? "";
  if (headers.rsc && response.status === 307 && location.includes("_rsc=")) {
    const next = new URL(location, baseURL);
    if (next.pathname === new URL(url, baseURL).pathname) {
      await response.arrayBuffer().catch(() => undefined);
      response = await once(next.toString());
    }
  }
  return {
    status: response.status,
    location: response.headers.get("location") ?? "",
    body: await response.text().catch(() => ""),
    contentType: response.headers.get("content-type") ?? "",
    headers: Object.fromEntries(response.headers.entries()),
  };
}

/** Data markers in the answer, leaving out what the request itself named (an echoed URL is no leak). */
const leaked = (answer: Answer, markers: string[], url = "") =>
  markers.filter((m) => answer.body.includes(m) && !url.includes(m) && !url.includes(encodeURIComponent(m)));
const LOGIN_REDIRECT = /NEXT_REDIRECT;(replace|push);\/(login|embed\/signin)\?callbackUrl=/;
const SIGN_IN_PATHS = ["/login", "/embed/signin"];

/** What a page must answer to a hostile request: a way to the login page, or (prefetch) nothing at all. */
function pageRefusal(answer: Answer, form: Form): string | null {
  if ([303, 307, 308].includes(answer.status) && SIGN_IN_PATHS.includes(new URL(answer.location, baseURL).pathname))
    return null;
  if (answer.status === 200 && LOGIN_REDIRECT.test(answer.body)) return null;
  // A prefetch renders no page (so no redirect): what counts is that it carries no data (checked apart).
  if (form.name.includes("prefetch") && answer.status === 200) return null;
  return `answered ${answer.status} ${answer.location} without a redirect to login`;
}

function apiRefusal(answer: Answer, status: number, code: string): string | null {
  if (answer.status !== status) return `answered ${answer.status}, expected ${status}`;
  try {
    const body = JSON.parse(answer.body) as { error?: { code?: string } };
    if (body.error?.code !== code) return `error code ${body.error?.code}, expected ${code}`;
  } catch {
    return `not JSON: ${answer.body.slice(0, 80)}`;
  }
  return null;
}

// ───────────────────────────── public routes' own checks ─────────────────────────────

async function checkLogin(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of ctx.hostile) {
    const answer = await send(ctx.api, "GET", "/login?callbackUrl=%2Fpipelines", credential.headers);
    if (answer.status !== 200) problems.push(`${credential.name}: /login answered ${answer.status}`);
    const found = leaked(answer, ctx.markers);
    if (found.length) problems.push(`${credential.name}: /login shows ${found.join(", ")}`);
  }
  return problems;
}

async function checkEmbedSignIn(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of ctx.hostile) {
    const answer = await send(ctx.api, "GET", "/embed/signin?callbackUrl=%2Fembed%2Fpipelines", credential.headers);
    if (answer.status !== 200) problems.push(`${credential.name}: /embed/signin answered ${answer.status}`);
    const found = leaked(answer, ctx.markers);
    if (found.length) problems.push(`${credential.name}: /embed/signin shows ${found.join(", ")}`);
  }
  return problems;
}

async function checkStatic(ctx: Context, url: string): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of ctx.hostile) {
    const answer = await send(ctx.api, "GET", url, credential.headers);
    if (answer.status >= 500) problems.push(`${credential.name}: ${url} answered ${answer.status}`);
    const found = leaked(answer, ctx.markers);
    if (found.length) problems.push(`${credential.name}: ${url} shows ${found.join(", ")}`);
  }
  return problems;
}

async function checkNextAuth(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of ctx.hostile) {
    const session = await send(ctx.api, "GET", "/api/auth/session", credential.headers);
    if (session.status !== 200 || session.body.trim() !== "{}") {
      problems.push(`${credential.name}: /api/auth/session answered ${session.status} ${session.body.slice(0, 80)}`);
    }
    for (const url of ["/api/auth/providers", "/api/auth/csrf"]) {
      const answer = await send(ctx.api, "GET", url, credential.headers);
      const found = leaked(answer, ctx.markers);
      if (found.length) problems.push(`${credential.name}: ${url} shows ${found.join(", ")}`);
    }
  }
  const valid = await send(ctx.api, "GET", "/api/auth/session", ctx.ada.headers);
  if (!valid.body.includes("ada@stepwise.local")) problems.push("a live session does not read its own session");
  return problems;
}

async function checkHealth(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  const publicShape = (answer: Answer, who: string) => {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    if (JSON.stringify(Object.keys(body).sort()) !== '["db","status"]' || JSON.stringify(body.db) !== '{"ok":true}') {
      problems.push(`${who}: public health says more than {status, db}: ${answer.body.slice(0, 120)}`);
    }
  };
  for (const credential of [...ctx.hostile, ctx.outsider.session, ctx.readOnly]) {
    publicShape(await send(ctx.api, "GET", "/api/health", credential.headers), credential.name);
  }
  for (const [who, headers] of [
    ["METRICS_TOKEN", bearer(ctx.metricsToken)],
    ["admin session", ctx.ada.headers],
  ] as const) {
    const answer = await send(ctx.api, "GET", "/api/health", headers);
    if (!answer.body.includes('"sync"') || !answer.body.includes('"version"')) {
      problems.push(`${who}: no health details: ${answer.body.slice(0, 120)}`);
    }
  }
  return problems;
}

async function checkMetrics(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of [...ctx.hostile, { name: "wrong metrics token", headers: bearer("not-the-token") }]) {
    const answer = await send(ctx.api, "GET", "/api/metrics", credential.headers);
    if (answer.status !== 401) problems.push(`${credential.name}: /api/metrics answered ${answer.status}`);
    if (answer.body.includes("stepwise_")) problems.push(`${credential.name}: /api/metrics shows metrics`);
  }
  const ok = await send(ctx.api, "GET", "/api/metrics", bearer(ctx.metricsToken));
  if (ok.status !== 200 || !ok.body.includes("stepwise_db_queries_total")) problems.push("METRICS_TOKEN refused");
  return problems;
}

async function checkIngest(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  const event = { id: `inv-${rand()}`, source: "aws.states", "detail-type": "Unknown", detail: {} };
  for (const [who, headers] of [
    ["no secret", {}],
    ["wrong secret", { "x-stepwise-ingest-secret": "wrong" }],
    ["a session instead of the secret", ctx.ada.headers],
  ] as const) {
    const answer = await send(ctx.api, "POST", "/api/ingest/eventbridge", { ...headers }, event);
    if (answer.status !== 401) problems.push(`${who}: ingest answered ${answer.status}`);
  }
  const huge = { ...event, detail: { padding: "x".repeat(1024 * 1024) } };
  const tooBig = await send(
    ctx.api,
    "POST",
    "/api/ingest/eventbridge",
    { "x-stepwise-ingest-secret": ctx.ingestSecret },
    huge,
  );
  if (tooBig.status !== 413) problems.push(`a 1 MiB+ body answered ${tooBig.status}, expected 413`);
  return problems;
}

async function checkUnauthenticated(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of [...ctx.hostile, ctx.ada]) {
    const answer = await send(ctx.api, "GET", "/api/v1/unauthenticated", credential.headers);
    const problem = apiRefusal(answer, 401, "unauthorized");
    if (problem) problems.push(`${credential.name}: ${problem}`);
  }
  return problems;
}

async function checkUnknownApiPath(ctx: Context): Promise<string[]> {
  const problems: string[] = [];
  for (const credential of ctx.hostile) {
    const answer = await send(ctx.api, "GET", "/api/v1/no-such-route", credential.headers);
    const problem = apiRefusal(answer, 401, "unauthorized");
    if (problem) problems.push(`${credential.name}: ${problem}`);
  }
  for (const [method, url, status, code] of [
    ["GET", "/api/v1/no-such-route", 404, "not_found"],
    ["POST", "/api/no/such/route", 404, "not_found"],
    ["DELETE", "/api/v1/pipelines", 405, "method_not_allowed"],
  ] as const) {
    const problem = apiRefusal(await send(ctx.api, method, url, ctx.ada.headers), status, code);
    if (problem) problems.push(`${ctx.ada.name}: ${method} ${url} ${problem}`);
  }
  return problems;
}

// ───────────────────────────── the suite ─────────────────────────────

const build = readBuild();
let ctx: Context;
let created: { users: string[] } = { users: [] };

test.beforeAll(async () => {
  // No storage state: every credential is sent explicitly (the project's default is Ada's session).
  const api = await apiRequest.newContext({ baseURL, storageState: NO_SESSION });
  const state = JSON.parse(readFileSync(ADA_STATE, "utf8")) as { cookies: { name: string; value: string }[] };
  const adaCookie = state.cookies.find((c) => c.name.endsWith(COOKIE));
  if (!adaCookie) throw new Error(`no session cookie in ${ADA_STATE}`);
  const ada: Credential = {
    name: "Ada's session (admin)",
    headers: { cookie: `${adaCookie.name}=${adaCookie.value}` },
  };
  const { samples, markers } = await loadSamples(api, ada);
  // An alert channel and rule of the sample team, for the /api/v1/alerts/{rules,channels}/{id} routes.
  const [channel] = await sql<{ id: number }>(
    `INSERT INTO alert_channel (team_id, kind, name, label, target_ciphertext)
     SELECT id, 'webhook', 'inventory channel', 'https://example.invalid', 'v1.x.y.z' FROM team WHERE slug = $1
     RETURNING id`,
    [samples.team],
  );
  const [rule] = await sql<{ id: number }>(
    `INSERT INTO alert_rule (team_id, name, kind, enabled) SELECT id, 'inventory rule', 'run_failed', false
       FROM team WHERE slug = $1 RETURNING id`,
    [samples.team],
  );
  samples.channelId = channel?.id ?? 0;
  samples.ruleId = rule?.id ?? 0;
  // A team view of the sample pipeline, for /api/v1/views/{viewId} and /v/{viewId}.
  const [view] = await sql<{ id: string }>(
    `INSERT INTO saved_view (id, pipeline_id, name, params, team_id)
     SELECT $1, $2, 'inventory view', '{"status":"FAILED"}', id FROM team WHERE slug = $3 RETURNING id`,
    [`inv${rand()}`, samples.pipelineId, samples.team],
  );
  samples.viewId = view?.id ?? "";

  const [adaRow] = await sql<{ id: string }>(`SELECT id FROM "user" WHERE email = 'ada@stepwise.local'`);
  if (!adaRow) throw new Error("Ada has not signed in");
  const outsiderId = `inv-outsider-${rand()}`;
  await sql(`INSERT INTO "user" (id, email, name) VALUES ($1, $2, 'Inventory Outsider')`, [
    outsiderId,
    `${outsiderId}@test.local`,
  ]);
  created = { users: [outsiderId] };
  const revokedSession = await newSession(adaRow.id);
  await sql(`DELETE FROM session WHERE session_token = $1`, [sha256(revokedSession)]);
  const victimSession = await newSession(adaRow.id);
  const [victim] = await sql<{ id: string }>(`SELECT id FROM session WHERE session_token = $1`, [
    sha256(victimSession),
  ]);
  const victimToken = await newToken(adaRow.id, { canWrite: true });

  const hostile: Credential[] = [
    { name: "no credentials", headers: {} },
    { name: "forged session cookie", headers: cookie(randomBytes(32).toString("base64url")) },
    { name: "idle-expired session", headers: cookie(await newSession(adaRow.id, { idle: "-1 minute" })) },
    {
      name: "absolutely expired session",
      headers: cookie(await newSession(adaRow.id, { idle: "1 hour", absolute: "-1 minute" })),
    },
    { name: "revoked session", headers: cookie(revokedSession) },
    { name: "revoked token", headers: bearer((await newToken(adaRow.id, { canWrite: true, revoked: true })).token) },
    {
      name: "expired token",
      headers: bearer((await newToken(adaRow.id, { canWrite: true, expires: "-1 minute" })).token),
    },
  ];
  ctx = {
    api,
    samples,
    markers,
    hostile,
    ada,
    outsider: {
      session: { name: "non-member session", headers: cookie(await newSession(outsiderId)) },
      token: {
        name: "non-member write token",
        headers: bearer((await newToken(outsiderId, { canWrite: true })).token),
      },
    },
    readOnly: { name: "read-only token", headers: bearer((await newToken(adaRow.id)).token) },
    victims: { sessionId: victim?.id ?? "", tokenId: victimToken.id },
    metricsToken: e2eEnv().metricsToken,
    ingestSecret: e2eEnv().eventBridgeSecret,
  };
});

test.afterAll(async () => {
  await ctx?.api.dispose();
  if (created.users.length) await sql(`DELETE FROM "user" WHERE id = ANY($1)`, [created.users]);
  if (ctx) {
    await sql("DELETE FROM alert_rule WHERE id = $1", [ctx.samples.ruleId]);
    await sql("DELETE FROM alert_channel WHERE id = $1", [ctx.samples.channelId]);
    await sql("DELETE FROM saved_view WHERE id = $1", [ctx.samples.viewId]);
  }
});

test("the table covers every route and server action of the build, and nothing else", () => {
  const built = build.routes.map((r) => r.entry).sort();
  expect(
    built.filter((entry) => !(entry in ROUTES)),
    "routes of the build without an entry in ROUTES",
  ).toEqual([]);
  expect(
    Object.keys(ROUTES).filter((entry) => !built.includes(entry)),
    "ROUTES entries the build has not",
  ).toEqual([]);
  const names = build.actions.map((a) => a.name).sort();
  expect(
    names.filter((name) => !(name in ACTIONS)),
    "server actions without an entry in ACTIONS",
  ).toEqual([]);
  expect(
    Object.keys(ACTIONS).filter((name) => !names.includes(name)),
    "ACTIONS the build has not",
  ).toEqual([]);
  expect(built.length).toBeGreaterThan(30);
});

for (const route of build.routes) {
  test(`${route.pattern} (${route.entry})`, async () => {
    const entry = ROUTES[route.entry];
    test.skip(!entry, "not in the table (the coverage test fails for it)");
    if (!entry) return;
    const problems: string[] = [];
    if (entry.kind === "public") {
      problems.push(...(await entry.check(ctx)));
      expect(problems, problems.join("\n")).toEqual([]);
      return;
    }
    const params = entry.params?.(ctx.samples) ?? {};
    const query = entry.query?.(ctx.samples);
    const url = `${concretePath(route.pattern, params)}${query ? `?${query}` : ""}`;

    if (entry.kind === "page") {
      for (const credential of ctx.hostile) {
        for (const form of FORMS) {
          const answer = await send(ctx.api, "GET", url, {
            ...credential.headers,
            ...form.headers(route.entry, params),
          });
          const refusal = pageRefusal(answer, form);
          if (refusal) problems.push(`${credential.name}, ${form.name}: ${refusal}`);
          const found = leaked(answer, ctx.markers, url);
          if (found.length) problems.push(`${credential.name}, ${form.name}: data in the answer: ${found.join(", ")}`);
        }
      }
      // A signed-in request works, and costs the stated number of SQL statements. Counted on the second
      // request: the first may fill a cache shared by all instances (a definition's graph layout is stored
      // on its first view), and whether an earlier spec already filled it must not decide the count.
      await send(ctx.api, "GET", url, ctx.ada.headers);
      const statements = await statementsOf(() => send(ctx.api, "GET", url, ctx.ada.headers));
      if (![200, 307].includes(statements.answer.status)) {
        problems.push(`a live session got ${statements.answer.status} for ${url}`);
      }
      if (statements.count !== entry.statements) {
        problems.push(
          `${url}: ${statements.count} SQL statements with a live session, the table says ${entry.statements}`,
        );
      }
    } else {
      for (const [method, spec] of Object.entries(entry.methods) as [Method, Access][]) {
        const body = spec === "read" ? undefined : spec.body(ctx.samples);
        const contentType: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
        for (const form of FORMS) {
          const formHeaders = form.headers(route.entry, params);
          for (const credential of ctx.hostile) {
            const answer = await send(
              ctx.api,
              method,
              url,
              { ...credential.headers, ...formHeaders, ...contentType },
              body,
            );
            const problem = apiRefusal(answer, 401, "unauthorized");
            if (problem) problems.push(`${method} ${credential.name}, ${form.name}: ${problem}`);
            const found = leaked(answer, ctx.markers, url);
            if (found.length) problems.push(`${method} ${credential.name}, ${form.name}: data: ${found.join(", ")}`);
          }
          if (spec === "read") continue;
          const forbidden: Credential[] = [
            ctx.readOnly,
            {
              name: "cross-site Origin, admin session",
              headers: { ...ctx.ada.headers, origin: "https://evil.example" },
            },
            {
              name: "cross-site fetch metadata, admin session",
              headers: { ...ctx.ada.headers, "sec-fetch-site": "cross-site" },
            },
            ...(spec.write === "team-write" ? [ctx.outsider.token, ctx.outsider.session] : []),
          ];
          for (const credential of forbidden) {
            const answer = await send(
              ctx.api,
              method,
              url,
              { ...credential.headers, ...formHeaders, ...contentType },
              body,
            );
            const problem = apiRefusal(answer, 403, "forbidden");
            if (problem) problems.push(`${method} ${credential.name}, ${form.name}: ${problem}`);
          }
        }
        if (spec === "read" && !entry.streaming) {
          const ok = await send(ctx.api, method, url, ctx.ada.headers);
          if (ok.status !== 200) problems.push(`${method} with a live session answered ${ok.status}`);
          // One public identifier per team (issue 16): its slug, never the database's number.
          if (ok.status === 200 && ok.contentType.includes("json")) {
            const leaks = numericTeamIds(JSON.parse(ok.body) as unknown);
            if (leaks.length) problems.push(`${method} ${url}: a numeric team id at ${leaks.join(", ")}`);
          }
        }
      }
    }
    // Bad input in every dynamic parameter: a clear 400/404 (or the login redirect), never a 500.
    for (const name of Object.keys(params)) {
      for (const [label, value] of [
        ["a NUL byte", "a\u0000b"],
        ["5,000 characters", "x".repeat(5_000)],
        ["a traversal", "../../etc/passwd"],
      ] as const) {
        const hostileUrl = `${concretePath(route.pattern, { ...params, [name]: value })}${query ? `?${query}` : ""}`;
        const method = entry.kind === "page" ? "GET" : (Object.keys(entry.methods)[0] as Method);
        const spec = entry.kind === "api" ? entry.methods[method] : "read";
        const body = spec && spec !== "read" ? spec.body(ctx.samples) : undefined;
        const answer = await send(ctx.api, method, hostileUrl, ctx.ada.headers, body);
        if (answer.status >= 500 || answer.status === 200) {
          problems.push(`[${name}] = ${label}: ${method} answered ${answer.status}`);
        }
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
}

for (const action of build.actions) {
  test(`server action ${action.name} (${action.file})`, async () => {
    const spec = ACTIONS[action.name];
    test.skip(!spec, "not in the table (the coverage test fails for it)");
    if (!spec) return;
    const page = action.pages[0] ?? "";
    const pattern = build.routes.find((r) => r.entry === page)?.pattern;
    const entry = ROUTES[page];
    if (!pattern || !entry || entry.kind === "public") throw new Error(`no page for ${action.name}`);
    const url = concretePath(pattern, entry.params?.(ctx.samples) ?? {});
    const args = spec.args(ctx.samples, ctx.victims);
    const call = (headers: Record<string, string>) =>
      send(
        ctx.api,
        "POST",
        url,
        {
          "next-action": action.id,
          "content-type": "text/plain;charset=UTF-8",
          accept: "text/x-component",
          origin: new URL(baseURL).origin,
          ...headers,
        },
        JSON.stringify(args),
      );
    const problems: string[] = [];
    for (const credential of ctx.hostile) {
      const answer = await call(credential.headers);
      const refused =
        answer.body.includes('"code":"unauthorized"') ||
        (answer.status === 307 && answer.location.startsWith("/login")) ||
        answer.headers["x-action-redirect"]?.startsWith("/login") ||
        (spec.visible === false && answer.status === 200);
      if (!refused) problems.push(`${credential.name}: ${answer.status} ${answer.body.slice(0, 160)}`);
      const found = leaked(answer, ctx.markers, url);
      if (found.length) problems.push(`${credential.name}: data: ${found.join(", ")}`);
    }
    if (spec.write) {
      const crossSite = await call({ ...ctx.ada.headers, origin: "https://evil.example" });
      if (crossSite.status !== 403) problems.push(`cross-site Origin: ${crossSite.status}, expected 403`);
      const outsider = await call(ctx.outsider.session.headers);
      if (spec.visible !== false && !outsider.body.includes('"code":"forbidden"')) {
        problems.push(`non-member: ${outsider.status} ${outsider.body.slice(0, 160)}`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
}

test("nothing the hostile requests aimed at changed", async () => {
  const [victim] = await sql<{ n: string }>(`SELECT count(*)::text AS n FROM session WHERE id = $1`, [
    ctx.victims.sessionId,
  ]);
  expect(victim?.n, "the session targeted by revokeSessionAction still exists").toBe("1");
  const [token] = await sql<{ revoked_at: Date | null }>(`SELECT revoked_at FROM api_token WHERE id = $1`, [
    ctx.victims.tokenId,
  ]);
  expect(token?.revoked_at, "the token targeted by revokeTokenAction is not revoked").toBeNull();
  const [team] = await sql<{ name: string }>(`SELECT name FROM team WHERE slug = $1`, [ctx.samples.team]);
  expect(team?.name).not.toContain("Hijacked");
  const [fourEyes] = await sql<{ value: unknown }>(`SELECT value FROM app_setting WHERE key = 'model_card.four_eyes'`);
  expect(fourEyes?.value ?? true, "setFourEyesAction did not turn four eyes off").toBe(true);
});

/** Statements the app issued for `request`, from its own counter (minus what reading the counter costs). */
async function statementsOf(request: () => Promise<Answer>): Promise<{ count: number; answer: Answer }> {
  const read = async () => {
    const text = (await send(ctx.api, "GET", "/api/metrics", bearer(ctx.metricsToken))).body;
    return Number(/^stepwise_db_queries_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  };
  const a = await read();
  const b = await read();
  const overhead = b - a;
  const before = await read();
  const answer = await request();
  const after = await read();
  return { count: after - before - overhead, answer };
}
