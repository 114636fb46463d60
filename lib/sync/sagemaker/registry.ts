/**
 * Model registry → model_group / model_version, with lineage to the job and run that produced each
 * version (rules in lineage.ts), then SageMaker model cards (model-cards.ts).
 *
 * Every listing and describe is optional (lib/sync/degrade.ts): a denied ListModelPackageGroups leaves the
 * registry as stored and is not called again before its gap's probe; a failing ListModelPackages,
 * DescribeModelPackage or ListTags is backed off for that group or package alone.
 *
 * AWS cost per pass: one ListModelPackageGroups page walk, one ListModelPackages walk per group,
 * DescribeModelPackage only for packages not stored yet or whose approval / package status in the
 * List summary differs from the stored one, ListTags only for a group seen for the first time (or
 * still linked to no pipeline and no team), and the model-card calls of model-cards.ts.
 *
 * model_version.metrics = { ModelMetrics, CustomerMetadataProperties, MetadataProperties } as AWS
 * returns them (the evaluation report locations, the pipeline's own metric values, and the
 * provenance lineage is read from).
 */
import "server-only";
import {
  DescribeModelPackageCommand,
  type DescribeModelPackageOutput,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  type ModelPackageGroupSummary,
  type ModelPackageSummary,
} from "@aws-sdk/client-sagemaker";
import type { SyncContext } from "../context";
import { guarded, loadBackoffs, SOURCE_WIDE } from "../degrade";
import { readSql, writeSql } from "../fence";
import { type JsonValue, toJson } from "./describe-job";
import { lineageHints, packageFromStored } from "./lineage";
import { importModelCards } from "./model-cards";
import { iso, mapLimit, NOW_UTC } from "./sql";

const CONCURRENCY = 4;

export type ApprovalStatus = "APPROVED" | "REJECTED" | "PENDING_MANUAL_APPROVAL";
const APPROVAL: Record<string, ApprovalStatus> = {
  Approved: "APPROVED",
  Rejected: "REJECTED",
  PendingManualApproval: "PENDING_MANUAL_APPROVAL",
};
export const approvalStatus = (aws: string | undefined): ApprovalStatus | undefined =>
  aws ? APPROVAL[aws] : undefined;

export async function syncModelRegistry(ctx: SyncContext): Promise<void> {
  await loadBackoffs(ctx);
  const changed = new Set<number>();
  const listed = await guarded(ctx, { operation: "sagemaker:ListModelPackageGroups", object: SOURCE_WIDE }, () =>
    listGroups(ctx),
  );
  // Not readable now (denied, failing): the stored registry stays as it is; the gap says why.
  if (!listed.ok) return;
  const groups = listed.value;
  const stored = await upsertGroups(ctx, groups, changed);
  await linkGroupsByTags(ctx, stored, changed);
  const upserted = new Set<number>();
  for (const group of stored.values()) {
    if (ctx.signal?.aborted) return;
    await syncVersions(ctx, group, changed, upserted);
  }
  await resolveLineage(ctx, upserted, changed);
  await linkGroupsByLineage(ctx, changed);
  await importModelCards(ctx, changed);
  await announceGroups(ctx, changed);
}

async function listGroups(ctx: SyncContext): Promise<ModelPackageGroupSummary[]> {
  const all: ModelPackageGroupSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.clients.sagemaker.send(
      new ListModelPackageGroupsCommand({ MaxResults: 100, NextToken, SortBy: "CreationTime", SortOrder: "Ascending" }),
      { abortSignal: ctx.signal },
    );
    all.push(...(page.ModelPackageGroupSummaryList ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

type StoredGroup = {
  id: number;
  name: string;
  arn: string;
  isNew: boolean;
  pipelineId: number | null;
  teamId: number | null;
};

async function upsertGroups(
  ctx: SyncContext,
  summaries: ModelPackageGroupSummary[],
  changed: Set<number>,
): Promise<Map<string, StoredGroup>> {
  const rows = new Map<string, { name: string; arn: string; description: string | null; created: string | null }>();
  for (const g of summaries) {
    if (!g.ModelPackageGroupName || !g.ModelPackageGroupArn) {
      ctx.log.warn("sagemaker: model package group without name or ARN skipped", { group: toJson(g, null) });
      continue;
    }
    rows.set(g.ModelPackageGroupName, {
      name: g.ModelPackageGroupName,
      arn: g.ModelPackageGroupArn,
      description: g.ModelPackageGroupDescription ?? null,
      created: iso(g.CreationTime instanceof Date ? g.CreationTime : null),
    });
  }
  const list = [...rows.values()];
  const before = await readSql<{ id: number; name: string; pipeline_id: number | null; team_id: number | null }>(
    ctx,
    "SELECT id, name, pipeline_id, team_id FROM model_group WHERE source_id = $1 AND name = ANY($2::text[])",
    [ctx.source.id, list.map((g) => g.name)],
  );
  const existing = new Map(before.map((r) => [r.name, r]));
  if (list.length > 0) {
    const written = await writeSql<{ id: number; name: string }>(
      ctx,
      "model groups",
      `INSERT INTO model_group AS g (source_id, name, arn, description, aws_created_at, version, created_at, updated_at)
       SELECT $1, t.name, t.arn, t.description, t.created AT TIME ZONE 'UTC', 1, ${NOW_UTC}, ${NOW_UTC}
       FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS t(name, arn, description, created)
       ON CONFLICT (source_id, name) DO UPDATE SET
         arn = EXCLUDED.arn, description = EXCLUDED.description, aws_created_at = EXCLUDED.aws_created_at,
         updated_at = EXCLUDED.updated_at
       WHERE (g.arn, g.description, g.aws_created_at)
         IS DISTINCT FROM (EXCLUDED.arn, EXCLUDED.description, EXCLUDED.aws_created_at)
       RETURNING g.id, g.name`,
      [
        ctx.source.id,
        list.map((g) => g.name),
        list.map((g) => g.arn),
        list.map((g) => g.description),
        list.map((g) => g.created),
      ],
    );
    for (const r of written) {
      changed.add(r.id);
      if (!existing.has(r.name)) existing.set(r.name, { id: r.id, name: r.name, pipeline_id: null, team_id: null });
    }
  }
  const out = new Map<string, StoredGroup>();
  for (const g of list) {
    const row = existing.get(g.name);
    if (!row) continue;
    out.set(g.name, {
      id: row.id,
      name: g.name,
      arn: g.arn,
      isNew: !before.some((b) => b.name === g.name),
      pipelineId: row.pipeline_id,
      teamId: row.team_id,
    });
  }
  return out;
}

const PIPELINE_TAGS = ["stepwise:pipeline", "pipeline", "sagemaker:pipeline-name"];
const TEAM_TAGS = ["stepwise:team", "team", "owner", "owner-team"];

/** Group tags name the pipeline (by name or state machine ARN) and the owning team (by slug or name). */
async function linkGroupsByTags(ctx: SyncContext, groups: Map<string, StoredGroup>, changed: Set<number>) {
  const due = [...groups.values()].filter((g) => g.isNew || (g.pipelineId === null && g.teamId === null));
  const tagged = await mapLimit(due, CONCURRENCY, async (g) => {
    // Without tags (denied, failing) the group is still linked through lineage (linkGroupsByLineage).
    const listed = await guarded(ctx, { operation: "sagemaker:ListTags", object: g.arn }, () =>
      ctx.clients.sagemaker.send(new ListTagsCommand({ ResourceArn: g.arn, MaxResults: 100 }), {
        abortSignal: ctx.signal,
      }),
    );
    if (!listed.ok) return null;
    const Tags = listed.value.Tags ?? [];
    const tags = new Map(Tags.filter((t) => t.Key && t.Value).map((t) => [t.Key?.toLowerCase(), t.Value ?? ""]));
    const pick = (keys: string[]) => keys.map((k) => tags.get(k)).find((v) => v !== undefined) ?? null;
    return { id: g.id, pipeline: pick(PIPELINE_TAGS), team: pick(TEAM_TAGS) };
  });
  const rows = tagged.filter((t) => t !== null && (t.pipeline || t.team)) as {
    id: number;
    pipeline: string | null;
    team: string | null;
  }[];
  if (rows.length === 0) return;
  const updated = await writeSql<{ id: number }>(
    ctx,
    "model groups by tags",
    `WITH t AS (
       SELECT t.id,
         (SELECT p.id FROM pipeline p WHERE p.source_id = $1 AND (p.name = t.pipeline OR p.state_machine_arn = t.pipeline)
          ORDER BY p.id LIMIT 1) AS pipeline_id,
         (SELECT tm.id FROM team tm WHERE tm.slug = t.team OR tm.name = t.team ORDER BY tm.id LIMIT 1) AS team_id
       FROM unnest($2::int4[], $3::text[], $4::text[]) AS t(id, pipeline, team)
     )
     UPDATE model_group g SET pipeline_id = COALESCE(g.pipeline_id, t.pipeline_id),
       team_id = COALESCE(g.team_id, t.team_id), updated_at = ${NOW_UTC}
     FROM t WHERE g.id = t.id
       AND (g.pipeline_id, g.team_id) IS DISTINCT FROM (COALESCE(g.pipeline_id, t.pipeline_id), COALESCE(g.team_id, t.team_id))
     RETURNING g.id`,
    [ctx.source.id, rows.map((r) => r.id), rows.map((r) => r.pipeline), rows.map((r) => r.team)],
  );
  for (const r of updated) changed.add(r.id);
}

type VersionRow = {
  modelId: number;
  version: number;
  arn: string;
  approval: ApprovalStatus;
  packageStatus: string | null;
  description: string | null;
  artifactUri: string | null;
  image: string | null;
  metrics: JsonValue;
  created: string | null;
};

async function syncVersions(ctx: SyncContext, group: StoredGroup, changed: Set<number>, upserted: Set<number>) {
  const listed = await guarded(ctx, { operation: "sagemaker:ListModelPackages", object: group.name }, async () => {
    const all: ModelPackageSummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ctx.clients.sagemaker.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: group.name,
          MaxResults: 100,
          NextToken,
          SortBy: "CreationTime",
          SortOrder: "Ascending",
        }),
        { abortSignal: ctx.signal },
      );
      all.push(...(page.ModelPackageSummaryList ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  });
  // The group's versions stay as stored; the backoff (or the gap) decides when to ask again.
  if (!listed.ok) return;
  const summaries = listed.value;
  const known = await readSql<{ arn: string; approval_status: string; package_status: string | null }>(
    ctx,
    "SELECT arn, approval_status, package_status FROM model_version WHERE model_id = $1",
    [group.id],
  );
  const byArn = new Map(known.map((k) => [k.arn, k]));
  const due = summaries.filter((s) => {
    if (!s.ModelPackageArn) return false;
    const k = byArn.get(s.ModelPackageArn);
    return (
      !k ||
      k.approval_status !== approvalStatus(s.ModelApprovalStatus) ||
      (s.ModelPackageStatus !== undefined && k.package_status !== s.ModelPackageStatus)
    );
  });
  const described = await mapLimit(due, CONCURRENCY, async (s): Promise<VersionRow | null> => {
    const arn = s.ModelPackageArn as string;
    const d = await guarded(ctx, { operation: "sagemaker:DescribeModelPackage", object: arn }, () =>
      ctx.clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }), {
        abortSignal: ctx.signal,
      }),
    );
    return d.ok ? versionRow(ctx, group.id, d.value) : null;
  });
  const rows = described.filter((r): r is VersionRow => r !== null);
  if (rows.length === 0) return;
  const written = await writeSql<{ id: number }>(
    ctx,
    `model versions of ${group.name}`,
    `INSERT INTO model_version AS v (model_id, version, arn, approval_status, package_status, description,
       artifact_uri, image, metrics, aws_created_at, created_at, updated_at)
     SELECT t.model_id, t.version, t.arn, t.approval, t.package_status, t.description, t.artifact_uri, t.image,
       t.metrics, t.created AT TIME ZONE 'UTC', ${NOW_UTC}, ${NOW_UTC}
     FROM unnest($1::int4[], $2::int4[], $3::text[], $4::"ApprovalStatus"[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::jsonb[], $10::timestamptz[])
       AS t(model_id, version, arn, approval, package_status, description, artifact_uri, image, metrics, created)
     ON CONFLICT (arn) DO UPDATE SET
       model_id = EXCLUDED.model_id, version = EXCLUDED.version, approval_status = EXCLUDED.approval_status,
       package_status = EXCLUDED.package_status, description = EXCLUDED.description,
       artifact_uri = EXCLUDED.artifact_uri, image = EXCLUDED.image, metrics = EXCLUDED.metrics,
       aws_created_at = EXCLUDED.aws_created_at, updated_at = EXCLUDED.updated_at
     WHERE (v.model_id, v.version, v.approval_status, v.package_status, v.description, v.artifact_uri, v.image,
            v.metrics, v.aws_created_at)
       IS DISTINCT FROM (EXCLUDED.model_id, EXCLUDED.version, EXCLUDED.approval_status, EXCLUDED.package_status,
            EXCLUDED.description, EXCLUDED.artifact_uri, EXCLUDED.image, EXCLUDED.metrics, EXCLUDED.aws_created_at)
     RETURNING v.id`,
    [
      rows.map((r) => r.modelId),
      rows.map((r) => r.version),
      rows.map((r) => r.arn),
      rows.map((r) => r.approval),
      rows.map((r) => r.packageStatus),
      rows.map((r) => r.description),
      rows.map((r) => r.artifactUri),
      rows.map((r) => r.image),
      rows.map((r) => JSON.stringify(r.metrics)),
      rows.map((r) => r.created),
    ],
  );
  if (written.length > 0) changed.add(group.id);
  for (const r of written) upserted.add(r.id);
}

function versionRow(ctx: SyncContext, modelId: number, d: DescribeModelPackageOutput): VersionRow | null {
  if (!d.ModelPackageArn || typeof d.ModelPackageVersion !== "number") {
    ctx.log.warn("sagemaker: model package without ARN or version skipped", { arn: d.ModelPackageArn });
    return null;
  }
  let approval = approvalStatus(d.ModelApprovalStatus);
  if (!approval) {
    ctx.log.warn("sagemaker: unknown model approval status, stored as pending", {
      arn: d.ModelPackageArn,
      status: d.ModelApprovalStatus,
    });
    approval = "PENDING_MANUAL_APPROVAL";
  }
  const container = d.InferenceSpecification?.Containers?.[0];
  return {
    modelId,
    version: d.ModelPackageVersion,
    arn: d.ModelPackageArn,
    approval,
    packageStatus: d.ModelPackageStatus ?? null,
    description: d.ModelPackageDescription ?? null,
    artifactUri: container?.ModelDataUrl || null,
    image: container?.Image || null,
    metrics: toJson(
      {
        ModelMetrics: d.ModelMetrics ?? {},
        CustomerMetadataProperties: d.CustomerMetadataProperties ?? {},
        MetadataProperties: d.MetadataProperties ?? {},
      },
      {},
    ),
    created: iso(d.CreationTime instanceof Date ? d.CreationTime : null),
  };
}

/**
 * Links versions to their training job and run. Looked at: versions written in this pass, versions with
 * no run yet, and versions naming a single training job that is not linked yet (it may have been
 * synced since). Steady state: no version qualifies and this costs one indexed query.
 */
async function resolveLineage(ctx: SyncContext, upserted: Set<number>, changed: Set<number>) {
  const candidates = await readSql<{ id: number; metrics: JsonValue; artifact_uri: string | null }>(
    ctx,
    `SELECT mv.id, mv.metrics, mv.artifact_uri FROM model_version mv JOIN model_group g ON g.id = mv.model_id
     WHERE g.source_id = $1 AND (mv.id = ANY($2::int4[]) OR mv.run_id IS NULL
       OR (mv.job_id IS NULL AND mv.metrics->'CustomerMetadataProperties'->>'stepwise:training-job' NOT LIKE '%*%'))`,
    [ctx.source.id, [...upserted]],
  );
  if (candidates.length === 0) return;
  const hints = candidates.map((c) => ({ id: c.id, ...lineageHints(packageFromStored(c.metrics, c.artifact_uri)) }));
  const names = [...new Set(hints.flatMap((h) => h.jobNames))];
  const uris = [...new Set(hints.flatMap((h) => h.artifactUris))];
  const executions = [...new Set(hints.flatMap((h) => h.executionArns))];
  const { region, accountId } = ctx.source;
  const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  const arnOf = (name: string) =>
    `arn:${partition}:sagemaker:${region}:${accountId}:training-job/${name.toLowerCase()}`;
  const jobs =
    names.length + uris.length === 0
      ? []
      : await readSql<{ id: number; name: string; artifact_uri: string | null; run_id: number | null }>(
          ctx,
          `SELECT id, name, artifact_uri, run_id FROM sagemaker_job
           WHERE source_id = $1 AND kind = 'TRAINING' AND (arn = ANY($2::text[]) OR artifact_uri = ANY($3::text[]))
           ORDER BY id`,
          [ctx.source.id, names.map(arnOf), uris],
        );
  const runs =
    executions.length === 0
      ? []
      : await readSql<{ id: number; execution_arn: string }>(
          ctx,
          "SELECT id, execution_arn FROM run WHERE execution_arn = ANY($1::text[])",
          [executions],
        );
  const jobByName = new Map(jobs.map((j) => [j.name.toLowerCase(), j]));
  const jobByUri = new Map(jobs.filter((j) => j.artifact_uri).map((j) => [j.artifact_uri, j]));
  const runByArn = new Map(runs.map((r) => [r.execution_arn, r.id]));
  const links = hints.map((h) => {
    const job =
      h.jobNames.map((n) => jobByName.get(n.toLowerCase())).find((j) => j) ??
      h.artifactUris.map((u) => jobByUri.get(u)).find((j) => j);
    const runId = job?.run_id ?? h.executionArns.map((a) => runByArn.get(a)).find((r) => r !== undefined) ?? null;
    return { id: h.id, jobId: job?.id ?? null, runId };
  });
  const due = links.filter((l) => l.jobId !== null || l.runId !== null);
  if (due.length === 0) return;
  const updated = await writeSql<{ model_id: number }>(
    ctx,
    "model version lineage",
    `UPDATE model_version mv SET job_id = COALESCE(t.job_id, mv.job_id), run_id = COALESCE(t.run_id, mv.run_id),
       updated_at = ${NOW_UTC}
     FROM unnest($1::int4[], $2::int4[], $3::int4[]) AS t(id, job_id, run_id)
     WHERE mv.id = t.id AND (mv.job_id, mv.run_id) IS DISTINCT FROM (COALESCE(t.job_id, mv.job_id), COALESCE(t.run_id, mv.run_id))
     RETURNING mv.model_id`,
    [due.map((l) => l.id), due.map((l) => l.jobId), due.map((l) => l.runId)],
  );
  for (const r of updated) changed.add(r.model_id);
}

/** A group no tag linked takes the pipeline of its newest version's run, and that pipeline's team. */
async function linkGroupsByLineage(ctx: SyncContext, changed: Set<number>) {
  const updated = await writeSql<{ id: number }>(
    ctx,
    "model groups by lineage",
    `WITH x AS (
       SELECT g.id, COALESCE(g.pipeline_id, v.pipeline_id) AS pipeline_id
       FROM model_group g
       LEFT JOIN LATERAL (
         SELECT r.pipeline_id FROM model_version mv JOIN run r ON r.id = mv.run_id
         WHERE mv.model_id = g.id ORDER BY mv.version DESC LIMIT 1
       ) v ON true
       WHERE g.source_id = $1 AND (g.pipeline_id IS NULL OR g.team_id IS NULL)
     )
     UPDATE model_group g SET pipeline_id = x.pipeline_id, team_id = COALESCE(g.team_id, p.team_id),
       updated_at = ${NOW_UTC}
     FROM x LEFT JOIN pipeline p ON p.id = x.pipeline_id
     WHERE g.id = x.id
       AND (g.pipeline_id, g.team_id) IS DISTINCT FROM (x.pipeline_id, COALESCE(g.team_id, p.team_id))
     RETURNING g.id`,
    [ctx.source.id],
  );
  for (const r of updated) changed.add(r.id);
}

/**
 * One version bump and one "model:<id>" message per group whose group, versions or cards changed, and
 * one "models" message per pass for the models list.
 */
async function announceGroups(ctx: SyncContext, changed: Set<number>) {
  if (changed.size === 0) return;
  const rows = await writeSql<{ id: number; version: number }>(
    ctx,
    "model groups announced",
    `UPDATE model_group SET version = version + 1, updated_at = ${NOW_UTC}
     WHERE id = ANY($1::int4[]) RETURNING id, version`,
    [[...changed]],
  );
  for (const r of rows)
    ctx.changes.add({ topic: `model:${r.id}`, kind: "model", id: String(r.id), version: r.version });
  const newest = rows.at(-1);
  if (newest) ctx.changes.add({ topic: "models", kind: "model", id: String(newest.id), version: newest.version });
}
