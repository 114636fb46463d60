/**
 * Reads of the models domain: the model list (one SQL statement), one model with its versions, and the
 * lineage of one model version that lib/models/card-content.ts turns into the card. The card is
 * generated on every read, so its factual sections follow the synced data without any copy to refresh.
 */
import "server-only";
import { appOrigin } from "@/lib/auth/config";
import { prisma, sql } from "@/lib/db";
import { buildCardContent, type CardLineage, headlineOf, numericMetrics } from "./card-content";
import type {
  ApprovalStatus,
  CardStatus,
  ModelCardView,
  ModelDetail,
  ModelListItem,
  ModelListQuery,
  ModelVersionSummary,
  TeamRef,
} from "./schema";

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** A team as the API names it: by its slug (TeamRef), never by its database id. */
const teamRef = (team: { slug: string; name: string } | null): TeamRef | null =>
  team ? { id: team.slug, slug: team.slug, name: team.name } : null;

type ListRow = {
  id: number;
  name: string;
  description: string | null;
  team_slug: string | null;
  team_name: string | null;
  pipeline_id: number | null;
  pipeline_name: string | null;
  version_count: number;
  latest_version: number | null;
  latest_approval: ApprovalStatus | null;
  latest_card_status: CardStatus | null;
  latest_created: Date | null;
  latest_run_public_id: string | null;
  latest_run_name: string | null;
  latest_approved_version: number | null;
};

/** Every model (model package group) with its newest version, filtered; one statement. */
export async function listModels(query: Partial<ModelListQuery> = {}): Promise<ModelListItem[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.q) {
    const like = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(g.name ILIKE ${like} OR g.description ILIKE ${like} OR p.name ILIKE ${like})`);
  }
  if (query.team) where.push(`t.slug = ${param(query.team)}`);
  if (query.pipeline) where.push(`g.pipeline_id = ${param(query.pipeline)}`);
  if (query.status) where.push(`lv.approval_status = ${param(query.status)}::"ApprovalStatus"`);
  const limit = param(query.limit ?? 200);
  const rows = await sql<ListRow>(
    `SELECT g.id, g.name, g.description,
            t.slug AS team_slug, t.name AS team_name,
            p.id AS pipeline_id, p.name AS pipeline_name,
            (SELECT count(*)::int FROM model_version c WHERE c.model_id = g.id) AS version_count,
            lv.version AS latest_version, lv.approval_status AS latest_approval,
            mc.status AS latest_card_status, COALESCE(lv.aws_created_at, lv.created_at) AS latest_created,
            r.public_id AS latest_run_public_id, r.name AS latest_run_name,
            (SELECT max(a.version) FROM model_version a
              WHERE a.model_id = g.id AND a.approval_status = 'APPROVED') AS latest_approved_version
       FROM model_group g
       LEFT JOIN team t ON t.id = g.team_id
       LEFT JOIN pipeline p ON p.id = g.pipeline_id
       LEFT JOIN LATERAL (
         SELECT v.* FROM model_version v WHERE v.model_id = g.id ORDER BY v.version DESC LIMIT 1
       ) lv ON true
       LEFT JOIN model_card mc ON mc.model_version_id = lv.id
       LEFT JOIN run r ON r.id = lv.run_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY COALESCE(lv.aws_created_at, lv.created_at, g.created_at) DESC NULLS LAST, g.name
      LIMIT ${limit}`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    team: r.team_slug !== null ? teamRef({ slug: r.team_slug, name: r.team_name ?? "" }) : null,
    pipeline: r.pipeline_id !== null ? { id: r.pipeline_id, name: r.pipeline_name ?? "" } : null,
    versionCount: r.version_count,
    latest:
      r.latest_version !== null && r.latest_approval !== null
        ? {
            version: r.latest_version,
            approvalStatus: r.latest_approval,
            cardStatus: r.latest_card_status,
            createdAt: iso(r.latest_created),
            run: r.latest_run_public_id ? { publicId: r.latest_run_public_id, name: r.latest_run_name ?? "" } : null,
          }
        : null,
    latestApprovedVersion: r.latest_approved_version,
  }));
}

/** Teams and pipelines that own at least one model, for the list filters. */
export async function listModelFacets() {
  const [teams, pipelines] = await Promise.all([
    prisma.team.findMany({
      where: { models: { some: {} } },
      orderBy: { name: "asc" },
      select: { id: true, slug: true, name: true },
    }),
    prisma.pipeline.findMany({
      where: { models: { some: {} } },
      orderBy: { name: "asc" },
      select: { id: true, name: true },
    }),
  ]);
  return { teams, pipelines };
}

type VersionRow = {
  version: number;
  approval_status: ApprovalStatus;
  package_metrics: unknown;
  run_metrics: Record<string, number> | null;
  card_status: CardStatus | null;
  created: Date | null;
  run_public_id: string | null;
  run_name: string | null;
  run_status: string | null;
};

/** Every version of a model with the metric values the card compares across versions. */
async function loadVersions(modelId: number): Promise<VersionRow[]> {
  return sql<VersionRow>(
    `SELECT v.version, v.approval_status, v.metrics -> 'CustomerMetadataProperties' AS package_metrics,
            (SELECT jsonb_object_agg(m.name, m.value) FROM run_metric m
              WHERE m.run_id = v.run_id AND m.scope = 'run') AS run_metrics,
            c.status AS card_status, COALESCE(v.aws_created_at, v.created_at) AS created,
            r.public_id AS run_public_id, r.name AS run_name, r.status AS run_status
       FROM model_version v
       LEFT JOIN model_card c ON c.model_version_id = v.id
       LEFT JOIN run r ON r.id = v.run_id
      WHERE v.model_id = $1
      ORDER BY v.version`,
    [modelId],
  );
}

/** One model with all its versions (newest first), or null. */
export async function getModel({ modelId }: { modelId: number }): Promise<ModelDetail | null> {
  const model = await prisma.modelGroup.findUnique({
    where: { id: modelId },
    select: {
      id: true,
      name: true,
      arn: true,
      description: true,
      team: { select: { slug: true, name: true } },
      pipeline: { select: { id: true, name: true, headlineMetric: true } },
    },
  });
  if (!model) return null;
  const rows = await loadVersions(modelId);
  const versions: ModelVersionSummary[] = rows
    .map((r) => {
      const metrics = numericMetrics(r.package_metrics, r.run_metrics);
      const metric = headlineOf(r.package_metrics, model.pipeline?.headlineMetric ?? null, Object.keys(metrics));
      const value = metric ? metrics[metric] : undefined;
      return {
        version: r.version,
        approvalStatus: r.approval_status,
        cardStatus: r.card_status,
        createdAt: iso(r.created),
        run: r.run_public_id ? { publicId: r.run_public_id, name: r.run_name ?? "", status: r.run_status ?? "" } : null,
        headline: metric && value !== undefined ? { metric, value } : null,
      };
    })
    .reverse();
  return {
    id: model.id,
    name: model.name,
    arn: model.arn,
    description: model.description,
    team: teamRef(model.team),
    pipeline: model.pipeline ? { id: model.pipeline.id, name: model.pipeline.name } : null,
    versions,
  };
}

/** The absolute URL of a card, for the print header, the QR code and the API. */
export function cardUrl(modelId: number, version: number, origin = appOrigin() ?? "http://localhost:3000"): string {
  return `${origin}/models/${modelId}?version=${version}`;
}

/** The lineage of one model version, as card-content.ts needs it; null when the model or version does not exist. */
export async function loadCardLineage({
  modelId,
  version,
}: {
  modelId: number;
  version: number;
}): Promise<CardLineage | null> {
  const mv = await prisma.modelVersion.findUnique({
    where: { modelId_version: { modelId, version } },
    include: {
      model: {
        include: {
          team: { select: { slug: true, name: true } },
          pipeline: {
            select: { id: true, name: true, stateMachineArn: true, definition: true, headlineMetric: true },
          },
          source: { select: { region: true } },
        },
      },
      run: {
        select: {
          id: true,
          publicId: true,
          name: true,
          executionArn: true,
          status: true,
          startedAt: true,
          stoppedAt: true,
        },
      },
      card: { select: { id: true, status: true, latestRevision: true, importedFrom: true, updatedAt: true } },
    },
  });
  if (!mv) return null;
  const runId = mv.run?.id ?? null;

  const [jobs, runMetrics, versions, revisions] = await Promise.all([
    prisma.sageMakerJob.findMany({
      where: runId !== null ? { OR: [{ runId }, ...(mv.jobId ? [{ id: mv.jobId }] : [])] } : { id: mv.jobId ?? -1 },
      orderBy: [{ startedAt: { sort: "asc", nulls: "last" } }, { id: "asc" }],
      select: {
        id: true,
        name: true,
        arn: true,
        kind: true,
        status: true,
        hyperParameters: true,
        algorithmImage: true,
        objectiveMetric: true,
        instanceType: true,
        instanceCount: true,
        inputs: true,
        artifactUri: true,
        billableSeconds: true,
        startedAt: true,
        endedAt: true,
        seriesPeriod: true,
        step: { select: { key: true } },
      },
    }),
    runId !== null
      ? prisma.runMetric.findMany({ where: { runId }, select: { scope: true, name: true, value: true } })
      : Promise.resolve([]),
    loadVersions(modelId),
    mv.card
      ? prisma.modelCardRevision.findMany({
          where: { cardId: mv.card.id },
          orderBy: { revision: "desc" },
          select: {
            revision: true,
            status: true,
            note: true,
            createdAt: true,
            author: { select: { name: true, email: true } },
          },
        })
      : Promise.resolve([]),
  ]);

  const trainingJobs = jobs.filter((j) => j.kind === "TRAINING");
  const primary = trainingJobs.find((j) => j.id === mv.jobId) ?? trainingJobs[0] ?? null;
  const [points, own, inherited] = await Promise.all([
    primary
      ? prisma.metricPoint.findMany({
          where: { jobId: primary.id },
          orderBy: [{ name: "asc" }, { step: "asc" }],
          select: { name: true, step: true, value: true },
        })
      : Promise.resolve([]),
    mv.card && mv.card.latestRevision > 0
      ? prisma.modelCardRevision.findUnique({
          where: { cardId_revision: { cardId: mv.card.id, revision: mv.card.latestRevision } },
          select: { revision: true, content: true, createdAt: true },
        })
      : Promise.resolve(null),
    mv.card && mv.card.latestRevision > 0 ? Promise.resolve(null) : loadInheritedNarrative(modelId, version),
  ]);

  const curves = new Map<string, { step: number; value: number }[]>();
  for (const p of points) {
    const list = curves.get(p.name) ?? [];
    list.push({ step: p.step, value: p.value });
    curves.set(p.name, list);
  }

  return {
    origin: appOrigin() ?? "http://localhost:3000",
    model: {
      id: mv.model.id,
      name: mv.model.name,
      arn: mv.model.arn,
      description: mv.model.description,
      team: teamRef(mv.model.team),
      pipeline: mv.model.pipeline
        ? {
            id: mv.model.pipeline.id,
            name: mv.model.pipeline.name,
            arn: mv.model.pipeline.stateMachineArn,
            definition: mv.model.pipeline.definition,
            headlineMetric: mv.model.pipeline.headlineMetric,
          }
        : null,
      region: mv.model.source?.region ?? null,
    },
    version: {
      version: mv.version,
      arn: mv.arn,
      approvalStatus: mv.approvalStatus,
      artifactUri: mv.artifactUri,
      image: mv.image,
      metrics: mv.metrics,
      createdAt: mv.awsCreatedAt ?? mv.createdAt,
      jobId: mv.jobId,
    },
    run: mv.run,
    jobs: jobs.map((j) => ({ ...j, stepKey: j.step?.key ?? null })),
    primaryJobId: primary?.id ?? null,
    runMetrics,
    curves: [...curves.entries()].map(([metric, list]) => ({ metric, points: list })),
    curvesPeriod: primary?.seriesPeriod ?? null,
    versions: versions.map((v) => ({
      version: v.version,
      approvalStatus: v.approval_status,
      packageMetrics: v.package_metrics,
      runMetrics: v.run_metrics,
    })),
    card: mv.card,
    revision: own,
    inherited,
    revisions: revisions.map((r) => ({
      revision: r.revision,
      status: r.status,
      author: r.author?.name ?? r.author?.email ?? null,
      note: r.note,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

/**
 * A version without its own card starts from the newest earlier version's card: intended use, risks and
 * caveats rarely change between nightly retrains, and reviewers see where the text came from.
 */
export async function loadInheritedNarrative(modelId: number, version: number) {
  const rows = await sql<{ version: number; revision: number; content: unknown; imported_from: string | null }>(
    `SELECT v.version, r.revision, r.content, c.imported_from
       FROM model_version v
       JOIN model_card c ON c.model_version_id = v.id AND c.latest_revision > 0
       JOIN model_card_revision r ON r.card_id = c.id AND r.revision = c.latest_revision
      WHERE v.model_id = $1 AND v.version < $2
      ORDER BY v.version DESC
      LIMIT 1`,
    [modelId, version],
  );
  const row = rows[0];
  return row
    ? { fromVersion: row.version, revision: row.revision, content: row.content, importedFrom: row.imported_from }
    : null;
}

/** The card of one model version, or null when the model or the version does not exist. */
export async function getModelCard({
  modelId,
  version,
}: {
  modelId: number;
  version: number;
}): Promise<ModelCardView | null> {
  const lineage = await loadCardLineage({ modelId, version });
  return lineage ? buildCardContent(lineage) : null;
}

/** Two revisions of one card, for the diff view. */
export async function getCardRevisions({
  modelId,
  version,
  revisions,
}: {
  modelId: number;
  version: number;
  revisions: number[];
}) {
  const rows = await prisma.modelCardRevision.findMany({
    where: { revision: { in: revisions }, card: { modelVersion: { modelId, version } } },
    select: {
      revision: true,
      status: true,
      content: true,
      note: true,
      createdAt: true,
      author: { select: { name: true, email: true } },
    },
  });
  return rows.map((r) => ({
    revision: r.revision,
    status: r.status,
    content: r.content,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
    author: r.author?.name ?? r.author?.email ?? null,
  }));
}
