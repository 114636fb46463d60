/**
 * The model card as a document: every section in CARD_SECTIONS order, facts from lineage next to the
 * owners' narrative. The same component renders the card page, the print view and (through the print
 * view) the PDF, so they can never disagree.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import { formatDuration, formatMetric, formatUsd, formatUtc } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import type { ModelCardView, NarrativeKey } from "@/lib/models/schema";
import { type CardSectionId, sectionTitle } from "@/lib/models/sections";
import { runPath } from "@/lib/runs/links";
import { ApprovalBadge, CardStatusBadge, PassBadge } from "./badges";
import { MetricAcrossVersionsChart, TrainingCurves } from "./charts";
import { SafeMarkdown } from "./markdown";
import styles from "./model-card.module.css";

/** Billable time comes in seconds; durations are formatted from milliseconds (lib/format.ts). */
const seconds = (s: number | null | undefined) => (s === null || s === undefined ? null : s * 1000);

const CARD_SECTION_ORDER: CardSectionId[] = [
  "details",
  "overview",
  "intended-use",
  "business",
  "risk",
  "factors",
  "training",
  "evaluation",
  "quantitative",
  "limitations",
  "ethics",
  "caveats",
  "compute",
  "lineage",
];

function Section({ id, children }: { id: CardSectionId; children: ReactNode }) {
  const number = CARD_SECTION_ORDER.indexOf(id) + 1;
  return (
    <section className={styles.section} id={`section-${id}`} aria-labelledby={`heading-${id}`} data-section={id}>
      <h2 id={`heading-${id}`} className={styles.sectionHeading}>
        <span className={styles.sectionNumber} aria-hidden="true">
          {number}.
        </span>{" "}
        {sectionTitle(id)}
      </h2>
      {children}
    </section>
  );
}

function Narrative({ card, field, label }: { card: ModelCardView; field: NarrativeKey; label?: string }) {
  const value = card.narrative[field];
  return (
    <div className={styles.narrative} data-field={field}>
      {label ? <h3 className={styles.subheading}>{label}</h3> : null}
      {value ? <SafeMarkdown>{value}</SafeMarkdown> : <p className={styles.missing}>Not documented yet.</p>}
    </div>
  );
}

function KeyValues({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className={styles.kv}>
      {rows.map(([key, value]) => (
        <div key={key} className={styles.kvRow}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Mono({ children }: { children: ReactNode }) {
  return <code className={styles.mono}>{children}</code>;
}

const direction = (d: "higher" | "lower") => (d === "higher" ? "↑ higher" : "↓ lower");

export function CardDocument({ card }: { card: ModelCardView }) {
  const { identity, overview, training, evaluation, compute, lineage } = card;
  const headlineRow = evaluation.metrics.find((m) => m.headline) ?? null;
  const run = training.run;
  const jobLink =
    lineage.run && lineage.job
      ? runPath(lineage.run.publicId, lineage.job.stepKey ? { step: lineage.job.stepKey } : {})
      : null;

  return (
    <article className={styles.document} data-testid="model-card" aria-label={`Model card of ${card.model.name}`}>
      {card.narrativeSource.kind === "inherited" ? (
        <p className={styles.notice} data-testid="inherited-notice">
          The narrative sections are carried over from the card of version {card.narrativeSource.fromVersion} (revision{" "}
          {card.narrativeSource.revision}) and have not been reviewed for version {card.version} yet.
        </p>
      ) : card.narrativeSource.kind === "none" ? (
        <p className={styles.notice}>
          No narrative has been written for this model yet. The factual sections below are generated from its lineage.
        </p>
      ) : null}

      <Section id="details">
        <KeyValues
          rows={[
            ["Model", <strong key="m">{card.model.name}</strong>],
            ["Version", `${card.version} of ${card.versions.length}`],
            [
              "Owners",
              identity.owners ? (
                <span key="o">
                  {identity.owners.name}
                  {identity.ownerNote && identity.ownerNote !== `team ${identity.owners.slug}`
                    ? ` (${identity.ownerNote})`
                    : ""}
                </span>
              ) : (
                (identity.ownerNote ?? "No owning team")
              ),
            ],
            ["Card status", <CardStatusBadge key="s" status={identity.cardStatus} />],
            ["Registry approval", <ApprovalBadge key="a" status={identity.approvalStatus} />],
            ["Registered", formatUtc(identity.createdAt)],
            [
              "Card last edited",
              identity.updatedAt
                ? `${formatUtc(identity.updatedAt)} (revision ${card.latestRevision})`
                : "Not edited in Stepwise yet",
            ],
            [
              "License",
              identity.license ?? (
                <span key="l" className={styles.missing}>
                  Not stated
                </span>
              ),
            ],
          ]}
        />
      </Section>

      <Section id="overview">
        {overview.description ? (
          <SafeMarkdown>{overview.description}</SafeMarkdown>
        ) : (
          <p className={styles.missing}>No description yet.</p>
        )}
        <KeyValues
          rows={[
            [
              "Problem type",
              overview.problemType.value ? (
                <span key="p">
                  {overview.problemType.value}
                  {overview.problemType.inferred ? (
                    <span className={styles.muted}> (inferred from its metrics)</span>
                  ) : null}
                </span>
              ) : (
                <span key="p" className={styles.missing}>
                  Not stated
                </span>
              ),
            ],
            ["Algorithm", overview.algorithm ?? "—"],
            ["Training image", overview.image ? <Mono key="i">{overview.image}</Mono> : "—"],
            [
              "Inputs",
              overview.inputs.length ? (
                <ul key="in" className={styles.plainList}>
                  {overview.inputs.slice(0, 6).map((i) => (
                    <li key={i}>
                      <Mono>{i}</Mono>
                    </li>
                  ))}
                  {overview.inputs.length > 6 ? <li>and {overview.inputs.length - 6} more channels</li> : null}
                </ul>
              ) : (
                "—"
              ),
            ],
            [
              "Outputs",
              overview.outputs.length ? (
                <ul key="out" className={styles.plainList}>
                  {overview.outputs.map((o) => (
                    <li key={o}>
                      <Mono>{o}</Mono>
                    </li>
                  ))}
                </ul>
              ) : (
                "—"
              ),
            ],
          ]}
        />
        {card.narrative.inputsOutputs ? (
          <Narrative card={card} field="inputsOutputs" label="Inputs and outputs" />
        ) : null}
      </Section>

      <Section id="intended-use">
        <Narrative card={card} field="intendedUses" label="Intended uses" />
        <Narrative card={card} field="outOfScopeUses" label="Out-of-scope uses" />
      </Section>

      <Section id="business">
        <Narrative card={card} field="businessDetails" />
      </Section>

      <Section id="risk">
        <p className={styles.risk}>
          Rating: <strong data-testid="risk-rating">{card.narrative.riskRating ?? "Not rated"}</strong>
        </p>
        <Narrative card={card} field="riskRatingExplanation" label="Justification" />
      </Section>

      <Section id="factors">
        <Narrative card={card} field="factorsAffectingModelEfficiency" label="Factors affecting performance" />
        <h3 className={styles.subheading}>Evaluation slices</h3>
        {card.factors.slices.length ? (
          <p>
            {card.factors.sliceKind}: {card.factors.slices.join(", ")} ({card.factors.slices.length} slices, each with
            its own training job and metrics; see Evaluation).
          </p>
        ) : (
          <p className={styles.muted}>The pipeline evaluates this model as a whole; it records no per-slice metrics.</p>
        )}
      </Section>

      <Section id="training">
        <KeyValues
          rows={[
            [
              "Training job",
              training.job ? (
                <span key="j">
                  {jobLink ? (
                    <Link href={jobLink}>
                      <Mono>{training.job.name}</Mono>
                    </Link>
                  ) : (
                    <Mono>{training.job.name}</Mono>
                  )}{" "}
                  <StatusBadge kind="job" status={training.job.status} size="sm" />
                  {training.jobCount > 1 ? ` · 1 of ${training.jobCount} training jobs in the run` : ""}
                </span>
              ) : (
                "No training job linked"
              ),
            ],
            [
              "Run",
              run ? (
                <span key="r">
                  <Link href={runPath(run.publicId)}>{run.name}</Link> <StatusBadge status={run.status} size="sm" /> ·
                  started {formatUtc(run.startedAt)}
                </span>
              ) : (
                "—"
              ),
            ],
            ["Environment", training.image ? <Mono key="img">{training.image}</Mono> : "—"],
            [
              "Objective",
              training.objective
                ? `${metricLabel(training.objective.metric)} (${direction(training.objective.direction)} is better)`
                : "—",
            ],
            [
              "Trained",
              training.job?.startedAt
                ? `${formatUtc(training.job.startedAt)} → ${formatUtc(training.job.endedAt)}`
                : "—",
            ],
          ]}
        />
        <h3 className={styles.subheading}>Datasets (input channels)</h3>
        {training.datasets.length ? (
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Location</th>
              </tr>
            </thead>
            <tbody>
              {training.datasets.slice(0, 8).map((d) => (
                <tr key={`${d.channel}-${d.uri}`}>
                  <td>{d.channel}</td>
                  <td>
                    <Mono>{d.uri ?? "—"}</Mono>
                  </td>
                </tr>
              ))}
              {training.datasets.length > 8 ? (
                <tr>
                  <td colSpan={2} className={styles.muted}>
                    and {training.datasets.length - 8} more channels of the run&apos;s other training jobs
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        ) : (
          <p className={styles.muted}>The training job reported no input channels.</p>
        )}
        <h3 className={styles.subheading}>Hyperparameters</h3>
        {training.hyperParameters.length ? (
          <dl className={styles.hyper}>
            {training.hyperParameters.map((h) => (
              <div key={h.name}>
                <dt>{h.name}</dt>
                <dd>
                  <Mono>{h.value}</Mono>
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <p className={styles.muted}>None recorded.</p>
        )}
        {card.narrative.trainingNotes ? <Narrative card={card} field="trainingNotes" label="Notes" /> : null}
      </Section>

      <Section id="evaluation">
        {evaluation.metrics.length ? (
          <table className={styles.table} data-testid="metrics-table">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col" className={styles.num}>
                  Value
                </th>
                <th scope="col">Better</th>
                <th scope="col">Threshold</th>
                <th scope="col">Result</th>
                <th scope="col" className={styles.num}>
                  Previous version
                </th>
              </tr>
            </thead>
            <tbody>
              {evaluation.metrics.map((m) => (
                <tr key={m.name}>
                  <td>
                    {metricLabel(m.name)}
                    {m.headline ? <span className={styles.tag}>headline</span> : null}
                  </td>
                  <td className={styles.num}>{formatMetric(m.value)}</td>
                  <td>{direction(m.direction)}</td>
                  <td>
                    {m.threshold ? (
                      <>
                        {m.threshold.op} {formatMetric(m.threshold.value)}{" "}
                        <span className={styles.muted}>
                          ({m.threshold.source === "quality-gate" ? "pipeline gate" : "owners"})
                        </span>
                      </>
                    ) : (
                      <span className={styles.muted}>—</span>
                    )}
                  </td>
                  <td>
                    {m.passes === null ? <span className={styles.muted}>—</span> : <PassBadge passes={m.passes} />}
                  </td>
                  <td className={styles.num}>
                    {m.previous ? (
                      <>
                        {formatMetric(m.previous.value)} <span className={styles.muted}>(v{m.previous.version})</span>
                      </>
                    ) : (
                      <span className={styles.muted}>—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className={styles.muted}>No metrics were registered with this version.</p>
        )}
        {evaluation.slices.length ? (
          <>
            <h3 className={styles.subheading}>Per slice</h3>
            <table className={styles.table} data-testid="slices-table">
              <thead>
                <tr>
                  <th scope="col">Slice</th>
                  {evaluation.sliceMetrics.slice(0, 4).map((m) => (
                    <th key={m} scope="col" className={styles.num}>
                      {metricLabel(m)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {evaluation.slices.map((s) => (
                  <tr key={s.job}>
                    <td>{s.slice}</td>
                    {evaluation.sliceMetrics.slice(0, 4).map((m) => (
                      <td key={m} className={styles.num}>
                        {s.values[m] !== undefined ? formatMetric(s.values[m]) : "—"}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
        {evaluation.acrossVersions.metric && evaluation.acrossVersions.points.length > 0 ? (
          <>
            <h3 className={styles.subheading}>Across model versions</h3>
            <MetricAcrossVersionsChart
              metric={evaluation.acrossVersions.metric}
              points={evaluation.acrossVersions.points}
              threshold={headlineRow?.threshold ?? null}
            />
          </>
        ) : null}
        {evaluation.curves.length ? (
          <>
            <h3 className={styles.subheading}>Training curves</h3>
            <TrainingCurves
              curves={evaluation.curves}
              job={training.job?.name ?? null}
              period={evaluation.curvesPeriod}
            />
          </>
        ) : null}
        {card.narrative.evaluationNotes ? <Narrative card={card} field="evaluationNotes" label="Notes" /> : null}
      </Section>

      <Section id="quantitative">
        {card.quantitative.summary.length ? (
          <ul className={styles.summary} data-testid="quantitative-summary">
            {card.quantitative.summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : null}
        {card.narrative.quantitativeAnalysis ? (
          <Narrative card={card} field="quantitativeAnalysis" label="Analysis" />
        ) : card.quantitative.summary.length ? null : (
          <Narrative card={card} field="quantitativeAnalysis" />
        )}
      </Section>

      <Section id="limitations">
        <Narrative card={card} field="limitations" />
      </Section>

      <Section id="ethics">
        <Narrative card={card} field="ethicalConsiderations" />
      </Section>

      <Section id="caveats">
        <Narrative card={card} field="caveatsAndRecommendations" />
      </Section>

      <Section id="compute">
        <table className={styles.table} data-testid="compute-table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Kind</th>
              <th scope="col">Instance</th>
              <th scope="col" className={styles.num}>
                Billable time
              </th>
              <th scope="col" className={styles.num}>
                ≈ USD/h
              </th>
              <th scope="col" className={styles.num}>
                ≈ Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {compute.rows.map((r) => (
              <tr key={r.job}>
                <td>
                  <Mono>{r.job}</Mono>
                </td>
                <td>{r.kind.toLowerCase()}</td>
                <td>
                  {r.instanceType ?? "—"}
                  {r.instanceCount > 1 ? ` × ${r.instanceCount}` : ""}
                </td>
                <td className={styles.num}>
                  {r.billableSeconds === null && r.ranSeconds !== null
                    ? `${formatDuration(seconds(r.ranSeconds))} *`
                    : formatDuration(seconds(r.billableSeconds))}
                </td>
                <td className={styles.num}>{r.hourlyUsd !== null ? r.hourlyUsd.toFixed(3) : "—"}</td>
                <td className={styles.num}>{formatUsd(r.costUsd)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total ({compute.rows.length} job{compute.rows.length === 1 ? "" : "s"})
              </th>
              <td className={styles.num}>{formatDuration(seconds(compute.totalBillableSeconds))}</td>
              <td />
              <td className={styles.num}>{formatUsd(compute.totalCostUsd)}</td>
            </tr>
          </tfoot>
        </table>
        <p className={styles.footnote}>
          Cost = instance price × instance count × billable time.
          {compute.rows.some((r) => r.billableSeconds === null && r.ranSeconds !== null)
            ? " * SageMaker reports no billable time for this kind of job: the time from its start to its end is used, as on the run page."
            : ""}{" "}
          {compute.priceNote}
        </p>
      </Section>

      <Section id="lineage">
        <KeyValues
          rows={[
            [
              "Pipeline",
              lineage.pipeline ? (
                <Named
                  key="p"
                  label={lineage.pipeline.name}
                  href={`/pipelines/${lineage.pipeline.id}`}
                  id={lineage.pipeline.arn}
                />
              ) : (
                "—"
              ),
            ],
            [
              "Run",
              lineage.run ? (
                <Named
                  key="r"
                  label={lineage.run.name}
                  href={runPath(lineage.run.publicId)}
                  id={lineage.run.executionArn}
                />
              ) : (
                "—"
              ),
            ],
            [
              "Training job",
              lineage.job ? <Named key="j" label={lineage.job.name} href={jobLink} id={lineage.job.arn} /> : "—",
            ],
            [
              "Model package",
              lineage.packageArn ? (
                <span key="pk">
                  version {card.version} <Mono>{lineage.packageArn}</Mono>
                </span>
              ) : (
                `version ${card.version}`
              ),
            ],
            ...lineage.artifacts.map((a): [string, ReactNode] => [a.label, <Mono key={a.uri}>{a.uri}</Mono>]),
            ...(lineage.importedCardArn
              ? [["Imported from", <Mono key="ic">{lineage.importedCardArn}</Mono>] as [string, ReactNode]]
              : []),
          ]}
        />
      </Section>
    </article>
  );
}

/** A lineage entry: its name (a link where Stepwise or the console has a page for it) and its AWS identifier. */
function Named({ label, href, id }: { label: string; href: string | null | undefined; id: string }) {
  return (
    <span>
      {href ? <Link href={href}>{label}</Link> : label} <Mono>{id}</Mono>
    </span>
  );
}
