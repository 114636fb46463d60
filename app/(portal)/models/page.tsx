import type { Metadata } from "next";
import Link from "next/link";
import { ApprovalBadge, CardStatusBadge } from "@/components/model-card/badges";
import { LiveRefresh } from "@/components/model-card/live-refresh";
import styles from "@/components/model-card/model-page.module.css";
import ui from "@/components/ui/ui.module.css";
import { listModelFacets, listModels } from "@/lib/dal/models";
import { formatUtc } from "@/lib/format";
import { ModelListQuery } from "@/lib/models/schema";
import { runPath } from "@/lib/runs/links";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Models" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function ModelsPage({ searchParams }: Props) {
  const raw = await searchParams;
  const input = {
    q: first(raw.q) || undefined,
    team: first(raw.team) || undefined,
    status: first(raw.status) || undefined,
    pipeline: first(raw.pipeline) || undefined,
  };
  const parsed = ModelListQuery.safeParse(input);
  const query = parsed.success ? parsed.data : ModelListQuery.parse({});
  const [models, facets] = await Promise.all([listModels(query), listModelFacets()]);
  const filtered = Boolean(query.q || query.team || query.status || query.pipeline);

  return (
    <>
      <LiveRefresh topics={["models", ...models.slice(0, 40).map((m) => `model:${m.id}`)]} />
      <div className={styles.header}>
        <h1>Models</h1>
        <span className={styles.meta}>
          Model package groups and the versions your pipelines registered, with their cards.
        </span>
      </div>
      <search>
        <form className={styles.filters} method="get" aria-label="Filter models">
          <label className={ui.field}>
            Search
            <input
              type="search"
              name="q"
              defaultValue={query.q ?? ""}
              placeholder="Model, description or pipeline"
              className={styles.search}
            />
          </label>
          <label className={ui.field}>
            Team
            <select name="team" defaultValue={query.team ?? ""}>
              <option value="">All teams</option>
              {facets.teams.map((t) => (
                <option key={t.id} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className={ui.field}>
            Latest version
            <select name="status" defaultValue={query.status ?? ""}>
              <option value="">Any status</option>
              <option value="APPROVED">Approved</option>
              <option value="PENDING_MANUAL_APPROVAL">Pending approval</option>
              <option value="REJECTED">Rejected</option>
            </select>
          </label>
          <label className={ui.field}>
            Pipeline
            <select name="pipeline" defaultValue={query.pipeline ? String(query.pipeline) : ""}>
              <option value="">All pipelines</option>
              {facets.pipelines.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className={`${ui.button} ${ui.primary}`}>
            Apply
          </button>
          {filtered ? (
            <Link href="/models" className={ui.button}>
              Clear
            </Link>
          ) : null}
          {!parsed.success ? (
            <p role="alert" className={styles.error}>
              Some filters were not understood and are ignored.
            </p>
          ) : null}
        </form>
      </search>

      {models.length === 0 ? (
        <div className="empty-state">
          {filtered ? (
            <p>No model matches these filters.</p>
          ) : (
            <>
              <p>No models yet.</p>
              <p>Model package groups and the training jobs of your pipelines appear here once synced.</p>
            </>
          )}
        </div>
      ) : (
        <table className={`data ${styles.listTable}`} data-testid="models-table">
          <caption className="visually-hidden">Models, newest version first</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Team</th>
              <th scope="col">Latest version</th>
              <th scope="col">Approval</th>
              <th scope="col">Card</th>
              <th scope="col">Produced by</th>
              <th scope="col">Registered</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id}>
                <td className={styles.wrap}>
                  <Link href={`/models/${m.id}`} className={styles.modelName}>
                    {m.name}
                  </Link>
                  {m.description ? <span className={styles.description}>{m.description}</span> : null}
                </td>
                <td>{m.team?.name ?? "—"}</td>
                <td>
                  {m.latest ? (
                    <Link href={`/models/${m.id}?version=${m.latest.version}`}>Version {m.latest.version}</Link>
                  ) : (
                    "—"
                  )}
                  {m.latestApprovedVersion && m.latestApprovedVersion !== m.latest?.version ? (
                    <span className={styles.description}>
                      in production:{" "}
                      <Link href={`/models/${m.id}?version=${m.latestApprovedVersion}`}>
                        version {m.latestApprovedVersion}
                      </Link>
                    </span>
                  ) : null}
                </td>
                <td>{m.latest ? <ApprovalBadge status={m.latest.approvalStatus} /> : "—"}</td>
                <td>
                  {m.latest?.cardStatus ? (
                    <CardStatusBadge status={m.latest.cardStatus} />
                  ) : (
                    <span className="muted">no card yet</span>
                  )}
                </td>
                <td>
                  {m.pipeline ? <Link href={`/pipelines/${m.pipeline.id}`}>{m.pipeline.name}</Link> : "—"}
                  {m.latest?.run ? (
                    <span className={styles.description}>
                      run <Link href={runPath(m.latest.run.publicId)}>{m.latest.run.name}</Link>
                    </span>
                  ) : null}
                </td>
                <td>{formatUtc(m.latest?.createdAt ?? null, "date")}</td>
                <td>{m.versionCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
