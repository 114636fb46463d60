import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CardStatusBadge } from "@/components/model-card/badges";
import { LiveRefresh } from "@/components/model-card/live-refresh";
import styles from "@/components/model-card/model-page.module.css";
import { RevisionDiff } from "@/components/model-card/revision-diff";
import { getCardRevisions, getModelCard } from "@/lib/dal/models";
import { formatUtc } from "@/lib/format";
import { diffCardContent } from "@/lib/models/diff";
import { ModelVersionParams } from "@/lib/models/schema";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Card history" };

type Props = {
  params: Promise<{ modelId: string; version: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function CardHistoryPage({ params, searchParams }: Props) {
  const parsed = ModelVersionParams.safeParse(await params);
  if (!parsed.success) notFound();
  const card = await getModelCard(parsed.data);
  if (!card) notFound();
  const query = await searchParams;
  const latest = card.latestRevision;
  const clamp = (v: number, fallback: number) => (Number.isInteger(v) && v >= 0 && v <= latest ? v : fallback);
  const to = clamp(Number(first(query.to)), latest);
  const from = clamp(Number(first(query.from)), Math.max(0, to - 1));
  const rows = to > 0 ? await getCardRevisions({ ...parsed.data, revisions: [from, to].filter((r) => r > 0) }) : [];
  const before = rows.find((r) => r.revision === from) ?? null;
  const after = rows.find((r) => r.revision === to) ?? null;
  const diffs = after ? diffCardContent(before?.content ?? null, after.content) : [];
  const base = `/models/${card.model.id}/versions/${card.version}/history`;
  const saved = first(query.saved) === "1";

  return (
    <>
      <LiveRefresh topics={[`model:${card.model.id}`]} />
      <nav aria-label="Breadcrumb" className={styles.meta}>
        <Link href="/models">Models</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/models/${card.model.id}?version=${card.version}`}>
          {card.model.name} version {card.version}
        </Link>
        <span aria-hidden="true">/</span>
        <span>History</span>
      </nav>
      <div className={styles.header}>
        <h1>Card history</h1>
        <span className={styles.meta}>
          {card.model.name} version {card.version} · {latest} revision{latest === 1 ? "" : "s"}
        </span>
      </div>
      {saved ? (
        <p role="status" className={styles.success}>
          Saved as revision {to}.
        </p>
      ) : null}
      {latest === 0 ? (
        <div className="empty-state">
          <p>This version&apos;s card has no revision yet.</p>
        </div>
      ) : (
        <div className={styles.history}>
          <ol className={styles.revisionList} reversed aria-label="Revisions, newest first" data-testid="revisions">
            {card.revisions.map((r) => (
              <li key={r.revision} aria-current={r.revision === to ? "true" : undefined}>
                <span className={styles.revisionHead}>
                  <strong>Revision {r.revision}</strong>
                  <CardStatusBadge status={r.status} />
                </span>
                <span className={styles.hint}>
                  {r.author ?? "Imported by the sync"} · {formatUtc(r.createdAt)}
                </span>
                {r.note ? <span>{r.note}</span> : null}
                <span>
                  {r.revision > 1 ? (
                    <Link href={`${base}?from=${r.revision - 1}&to=${r.revision}`}>
                      Changes from revision {r.revision - 1}
                    </Link>
                  ) : (
                    <Link href={`${base}?from=0&to=1`}>First revision</Link>
                  )}
                </span>
              </li>
            ))}
          </ol>
          <section aria-labelledby="diff-heading">
            <h2 id="diff-heading">
              {from === 0 ? `Revision ${to} (first revision)` : `Changes from revision ${from} to revision ${to}`}
            </h2>
            {after ? (
              <p className={styles.hint}>
                Revision {to} by {after.author ?? "the sync"} on {formatUtc(after.createdAt)}
                {before && before.status !== after.status
                  ? ` · status ${before.status.toLowerCase().replace("_", " ")} → ${after.status.toLowerCase().replace("_", " ")}`
                  : ""}
                {after.note ? ` · “${after.note}”` : ""}
              </p>
            ) : null}
            <RevisionDiff diffs={diffs} />
          </section>
        </div>
      )}
    </>
  );
}
