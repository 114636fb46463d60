"use client";
/**
 * The Alerts page's island: a team's channels and rules, created, edited, disabled and deleted through the
 * alerts API (`/api/v1/alerts/**`, which checks membership and audits every write), then the server page is
 * re-rendered (`router.refresh()`) so the lists are what the database says. Rows the caller may not change
 * (another team's, or global ones for non-admins) are shown read-only. A webhook's signing secret is shown
 * once, in the answer to its creation, and never again. A channel's delivery log (last responses) is read on
 * demand from `/api/v1/alerts/channels/{id}/deliveries`.
 */
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { DataTable } from "@/components/ui/data-table";
import { FetchError, fetchJson } from "@/components/ui/fetch-json";
import form from "@/components/ui/form.module.css";
import ui from "@/components/ui/ui.module.css";
import type { AlertSettings } from "@/lib/dal/alerts";
import { formatUtc } from "@/lib/format";
import { metricLabel } from "@/lib/metrics/direction";
import { alertKeys } from "@/lib/query-keys";
import styles from "./alerts.module.css";

type RuleRow = AlertSettings["rules"][number];
type ChannelRow = AlertSettings["channels"][number];

const KIND_LABELS: Record<RuleRow["kind"], string> = {
  run_failed: "Run failed",
  metric_regression: "Metric regression",
  step_regression: "Step regression",
  run_stuck: "Run stuck",
  card_review_waiting: "Card review waiting",
};

const CHANNEL_LABELS: Record<ChannelRow["kind"], string> = {
  webhook: "Webhook",
  slack: "Slack",
  email: "E-mail",
};

const TARGET_HINTS: Record<ChannelRow["kind"], string> = {
  webhook: "https://example.com/hooks/stepwise",
  slack: "https://hooks.slack.com/services/…",
  email: "oncall@example.com, lead@example.com",
};

/** JSON write to the API; the server's own error message on failure. */
async function send<T>(method: "POST" | "PUT" | "DELETE", url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new FetchError(response.status, answer?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function AlertsManager({ settings }: { settings: AlertSettings }) {
  const canCreate = settings.teams.length > 0 || settings.isAdmin;
  return (
    <>
      {canCreate ? null : (
        <p className={ui.notice} data-testid="alerts-read-only">
          Read-only: you are not a member of a team, so you can see every team's rules and channels but change none.
          Watch a pipeline (its page's <strong>Watch</strong> button) to get its alerts in your inbox.
        </p>
      )}
      <ChannelsSection settings={settings} canCreate={canCreate} />
      <RulesSection settings={settings} canCreate={canCreate} />
    </>
  );
}

/**
 * One part of the page (channels, rules): its title, what it is for, the create form for those who may, then
 * its table ("No channels yet." when empty).
 */
function ManagerSection({
  id,
  title,
  intro,
  create,
  columns,
  count,
  children,
}: {
  id: "channels" | "rules";
  title: string;
  intro: string;
  /** The create form, for those who may create. */
  create: ReactNode;
  columns: readonly string[];
  count: number;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} className={styles.section}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="muted">{intro}</p>
      {create}
      <DataTable columns={columns} actions empty={`No ${id} yet.`} count={count} label={`Alert ${id}`} testId={id}>
        {children}
      </DataTable>
    </section>
  );
}

// ───────────────────────────── channels ─────────────────────────────

function ChannelsSection({ settings, canCreate }: { settings: AlertSettings; canCreate: boolean }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <ManagerSection
      id="channels"
      title="Channels"
      intro="Where alerts go: a signed generic webhook, a Slack incoming webhook or e-mail."
      create={canCreate ? <ChannelForm settings={settings} /> : null}
      columns={["Name", "Kind", "Team", "Goes to", "Created"]}
      count={settings.channels.length}
    >
      {settings.channels.map((channel) => (
        <ChannelRowView
          key={channel.id}
          channel={channel}
          open={open === channel.id}
          onToggle={() => setOpen(open === channel.id ? null : channel.id)}
        />
      ))}
    </ManagerSection>
  );
}

function ChannelRowView({ channel, open, onToggle }: { channel: ChannelRow; open: boolean; onToggle: () => void }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const logId = `delivery-log-${channel.id}`;
  return (
    <>
      <tr data-testid="channel-row">
        <td>{channel.name}</td>
        <td>{CHANNEL_LABELS[channel.kind]}</td>
        <td>{channel.team ?? "global"}</td>
        <td>
          <code>{channel.label}</code>
        </td>
        <td>{formatUtc(channel.createdAt)}</td>
        <ActionsCell canEdit={channel.canEdit} error={error}>
          <button type="button" className={ui.button} aria-expanded={open} aria-controls={logId} onClick={onToggle}>
            Delivery log
          </button>
          <ConfirmDelete
            label={`channel ${channel.name}`}
            onDelete={async () => {
              try {
                await send("DELETE", `/api/v1/alerts/channels/${channel.id}`);
                router.refresh();
              } catch (e) {
                setError(errorText(e));
              }
            }}
          />
        </ActionsCell>
      </tr>
      {open ? (
        <tr id={logId}>
          <td colSpan={6}>
            <DeliveryLog channelId={channel.id} name={channel.name} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

type Delivery = {
  id: number;
  title: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastResponse: string | null;
  lastError: string | null;
  createdAt: string;
};

const DELIVERY_STATUS: Record<Delivery["status"], string> = {
  sent: "✓ Sent",
  pending: "▶ Pending",
  failed: "✗ Failed",
};

function DeliveryLog({ channelId, name }: { channelId: number; name: string }) {
  const log = useQuery({
    queryKey: alertKeys.deliveries(channelId),
    queryFn: ({ signal }) =>
      fetchJson<{ deliveries: Delivery[] }>(`/api/v1/alerts/channels/${channelId}/deliveries`, signal),
  });
  if (log.isPending) return <p className="muted">Loading the delivery log…</p>;
  if (log.isError) return <p role="alert">{errorText(log.error)}</p>;
  const deliveries = log.data.deliveries;
  if (deliveries.length === 0) return <p className="muted">Nothing sent to this channel yet.</p>;
  return (
    <DataTable
      columns={["Alert", "Status", "Attempts", "Last answer", "Created"]}
      label={`Delivery log of ${name}`}
      className={styles.log}
    >
      {deliveries.map((d) => (
        <tr key={d.id}>
          <td>{d.title}</td>
          <td data-status={d.status}>{DELIVERY_STATUS[d.status]}</td>
          <td>{d.attempts}</td>
          <td className={styles.response}>
            {d.lastStatus !== null ? <code>{d.lastStatus}</code> : null} {d.lastError ?? d.lastResponse ?? "—"}
          </td>
          <td>{formatUtc(d.createdAt)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function ChannelForm({ settings }: { settings: AlertSettings }) {
  const router = useRouter();
  const id = useId();
  const [kind, setKind] = useState<ChannelRow["kind"]>("webhook");
  const [created, setCreated] = useState<{ name: string; secret: string | null } | null>(null);
  const { pending, error, submit } = useSubmit(async (data, element) => {
    const team = String(data.get("team") ?? "");
    const answer = await send<{ channel: { name: string }; secret: string | null }>("POST", "/api/v1/alerts/channels", {
      name: String(data.get("name") ?? ""),
      kind,
      team: team || null,
      target: String(data.get("target") ?? ""),
    });
    setCreated({ name: answer.channel.name, secret: answer.secret });
    element.reset();
    setKind("webhook");
    router.refresh();
  });

  return (
    <>
      <form onSubmit={submit} className={form.form} aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`}>New channel</h3>
        <div className={form.fields}>
          <NameField id={`${id}-name`} />
          <KindSelect
            id={`${id}-kind`}
            label="Kind"
            name="kind"
            labels={CHANNEL_LABELS}
            value={kind}
            onChange={setKind}
          />
          <TeamSelect id={`${id}-team`} settings={settings} />
          <div className={`${form.field} ${styles.wide}`}>
            <label htmlFor={`${id}-target`}>{kind === "email" ? "Addresses" : "URL"}</label>
            <input
              type={kind === "email" ? "text" : "url"}
              id={`${id}-target`}
              name="target"
              required
              maxLength={2000}
              autoComplete="off"
              placeholder={TARGET_HINTS[kind]}
            />
          </div>
          <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
            {pending ? "Creating…" : "Create channel"}
          </button>
        </div>
        <p className={form.hint}>
          URLs and addresses are stored encrypted; the list shows only the host. Webhooks are signed with a secret shown
          once, below, after creation.
        </p>
      </form>
      <div aria-live="polite">
        <FormError error={error} />
        {created ? (
          <section className={form.created} aria-labelledby={`${id}-created`} data-testid="channel-created">
            <h3 id={`${id}-created`}>Channel “{created.name}” created</h3>
            {created.secret ? (
              <>
                <p>
                  Its signing secret (<code>X-Stepwise-Signature</code> is the HMAC-SHA256 of each body with it). Copy
                  it now: it is shown only once.
                </p>
                <label htmlFor={`${id}-secret`} className="visually-hidden">
                  Signing secret
                </label>
                <input
                  id={`${id}-secret`}
                  className={form.secret}
                  readOnly
                  value={created.secret}
                  onFocus={(e) => e.currentTarget.select()}
                />
              </>
            ) : null}
            <button type="button" className={ui.button} onClick={() => setCreated(null)}>
              Done
            </button>
          </section>
        ) : null}
      </div>
    </>
  );
}

/**
 * A form's submission: `pending` while `action` runs, `error` in words when it fails (the form keeps what was
 * typed). `action` gets the form's data and the form element (to reset it).
 */
function useSubmit(action: (data: FormData, element: HTMLFormElement) => Promise<void>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const element = event.currentTarget;
    setPending(true);
    setError(null);
    try {
      await action(new FormData(element), element);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setPending(false);
    }
  }
  return { pending, error, submit };
}

/** The last submission's failure, announced to screen readers. */
function FormError({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" className={form.error}>
      {error}
    </p>
  ) : null;
}

/** The name of a channel or rule. */
function NameField({ id, defaultValue }: { id: string; defaultValue?: string }) {
  return (
    <div className={form.field}>
      <label htmlFor={id}>Name</label>
      <input id={id} name="name" required maxLength={120} defaultValue={defaultValue} autoComplete="off" />
    </div>
  );
}

type NumberParamSpec = { name: string; label: string; min: number; max: number; step?: number; placeholder?: string };
const THRESHOLD: NumberParamSpec = { name: "thresholdPercent", label: "Threshold %", min: 0.1, max: 1000 };
const FACTOR: NumberParamSpec = { name: "factor", label: "× p95 duration", min: 1, max: 100, placeholder: "3" };
const DAYS: NumberParamSpec = { name: "days", label: "Days waiting", min: 1, max: 365, step: 1, placeholder: "7" };

/** A rule's numeric parameter (threshold, duration factor, days); any fraction unless the spec says its step. */
function NumberParam({ id, param, value }: { id: string; param: NumberParamSpec; value: number | undefined }) {
  return (
    <div className={form.field}>
      <label htmlFor={id}>{param.label}</label>
      <input
        id={id}
        name={param.name}
        type="number"
        min={param.min}
        max={param.max}
        step={param.step ?? "any"}
        placeholder={param.placeholder}
        defaultValue={value}
      />
    </div>
  );
}

/** The kind of a channel or rule: a labelled select of `labels` (value → words). */
function KindSelect<K extends string>({
  id,
  label,
  name,
  labels,
  value,
  onChange,
}: {
  id: string;
  label: string;
  /** The form field's name, where the form reads it. */
  name?: string;
  labels: Record<K, string>;
  value: K;
  onChange: (kind: K) => void;
}) {
  return (
    <div className={form.field}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} onChange={(e) => onChange(e.target.value as K)}>
        {Object.entries<string>(labels).map(([kind, words]) => (
          <option key={kind} value={kind}>
            {words}
          </option>
        ))}
      </select>
    </div>
  );
}

function TeamSelect({
  id,
  settings,
  value,
  onChange,
}: {
  id: string;
  settings: AlertSettings;
  value?: string;
  onChange?: (team: string) => void;
}) {
  return (
    <div className={form.field}>
      <label htmlFor={id}>Team</label>
      <select
        id={id}
        name="team"
        value={value}
        defaultValue={value === undefined ? (settings.teams[0]?.slug ?? "") : undefined}
        onChange={onChange ? (e) => onChange(e.target.value) : undefined}
      >
        {settings.teams.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name}
          </option>
        ))}
        {settings.isAdmin ? <option value="">Global (every team)</option> : null}
      </select>
    </div>
  );
}

// ───────────────────────────── rules ─────────────────────────────

function RulesSection({ settings, canCreate }: { settings: AlertSettings; canCreate: boolean }) {
  const [editing, setEditing] = useState<number | null>(null);
  const channelNames = new Map(settings.channels.map((c) => [c.id, c.name]));
  return (
    <ManagerSection
      id="rules"
      title="Rules"
      intro={
        "When to alert. A rule fires once per run (or card) for runs started after it was created; in-app rules put " +
        "the alert in the team members' inbox."
      }
      create={canCreate ? <RuleForm settings={settings} /> : null}
      columns={["Name", "When", "Scope", "Channels", "State"]}
      count={settings.rules.length}
    >
      {settings.rules.map((rule) =>
        editing === rule.id ? (
          <tr key={rule.id}>
            <td colSpan={6}>
              <RuleForm settings={settings} rule={rule} onDone={() => setEditing(null)} />
            </td>
          </tr>
        ) : (
          <RuleRowView key={rule.id} rule={rule} channelNames={channelNames} onEdit={() => setEditing(rule.id)} />
        ),
      )}
    </ManagerSection>
  );
}

function ruleState(rule: RuleRow): string {
  if (!rule.enabled) return "⊘ Disabled";
  if (rule.mutedUntil && rule.mutedUntil > new Date().toISOString())
    return `◷ Muted until ${formatUtc(rule.mutedUntil)}`;
  return "✓ Enabled";
}

function paramsText(rule: RuleRow): string {
  const p = rule.params;
  const parts: string[] = [];
  if (p.metric) parts.push(metricLabel(p.metric));
  if (p.step) parts.push(`step ${p.step}`);
  if (p.thresholdPercent !== undefined) parts.push(`> ${p.thresholdPercent} %`);
  if (p.factor !== undefined) parts.push(`${p.factor} × p95`);
  if (p.days !== undefined) parts.push(`${p.days} days`);
  if (p.statuses) parts.push(p.statuses.join(", ").toLowerCase());
  return parts.join(" · ");
}

/** The rule as the API's body: what a PUT replaces. */
function ruleBody(rule: RuleRow) {
  return {
    name: rule.name,
    kind: rule.kind,
    team: rule.team,
    pipelineId: rule.pipelineId,
    params: rule.params,
    inApp: rule.inApp,
    quietStart: rule.quietStart,
    quietEnd: rule.quietEnd,
    mutedUntil: rule.mutedUntil,
    enabled: rule.enabled,
    channelIds: rule.channelIds,
  };
}

function RuleRowView({
  rule,
  channelNames,
  onEdit,
}: {
  rule: RuleRow;
  channelNames: Map<number, string>;
  onEdit: () => void;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      router.refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const params = paramsText(rule);
  return (
    <tr data-testid="rule-row">
      <td>{rule.name}</td>
      <td>
        {KIND_LABELS[rule.kind]}
        {params ? <span className={styles.params}> · {params}</span> : null}
      </td>
      <td>
        {rule.pipelineId !== null
          ? `pipeline ${rule.pipelineName ?? `#${rule.pipelineId}`}`
          : rule.team
            ? `team ${rule.team}`
            : "global"}
        {rule.inApp ? <span className={styles.params}> · in-app</span> : null}
      </td>
      <td>{rule.channelIds.map((id) => channelNames.get(id) ?? `#${id}`).join(", ") || "—"}</td>
      <td data-testid="rule-state">{ruleState(rule)}</td>
      <ActionsCell canEdit={rule.canEdit} error={error}>
        <button type="button" className={ui.button} onClick={onEdit} aria-label={`Edit rule ${rule.name}`}>
          Edit
        </button>
        <button
          type="button"
          className={ui.button}
          disabled={busy}
          aria-label={`${rule.enabled ? "Disable" : "Enable"} rule ${rule.name}`}
          onClick={() =>
            act(() => send("PUT", `/api/v1/alerts/rules/${rule.id}`, { ...ruleBody(rule), enabled: !rule.enabled }))
          }
        >
          {rule.enabled ? "Disable" : "Enable"}
        </button>
        <ConfirmDelete
          label={`rule ${rule.name}`}
          onDelete={() => act(() => send("DELETE", `/api/v1/alerts/rules/${rule.id}`))}
        />
      </ActionsCell>
    </tr>
  );
}

/** Optional number from a form field ("" → undefined). */
const optionalNumber = (v: FormDataEntryValue | null) => {
  const text = String(v ?? "").trim();
  return text === "" ? undefined : Number(text);
};
const optionalText = (v: FormDataEntryValue | null) => {
  const text = String(v ?? "").trim();
  return text === "" ? undefined : text;
};

function RuleForm({ settings, rule, onDone }: { settings: AlertSettings; rule?: RuleRow; onDone?: () => void }) {
  const router = useRouter();
  const id = useId();
  const [kind, setKind] = useState<RuleRow["kind"]>(rule?.kind ?? "run_failed");
  const [team, setTeam] = useState<string>(rule ? (rule.team ?? "") : (settings.teams[0]?.slug ?? ""));
  const [saved, setSaved] = useState<string | null>(null);
  const pipelines = settings.pipelines.filter((p) => p.team === team);
  const channels = settings.channels.filter((c) => c.team === null || c.team === team);

  const { pending, error, submit } = useSubmit(async (data, element) => {
    const params: Record<string, unknown> = {};
    if (kind === "metric_regression") params.metric = optionalText(data.get("metric"));
    if (kind === "step_regression") params.step = optionalText(data.get("step"));
    if (kind === "metric_regression" || kind === "step_regression")
      params.thresholdPercent = optionalNumber(data.get("thresholdPercent"));
    if (kind === "run_stuck") params.factor = optionalNumber(data.get("factor"));
    if (kind === "card_review_waiting") params.days = optionalNumber(data.get("days"));
    for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
    const pipeline = String(data.get("pipelineId") ?? "");
    const muted = String(data.get("mutedUntil") ?? "");
    const body = {
      name: String(data.get("name") ?? ""),
      kind,
      team: team || null,
      pipelineId: pipeline ? Number(pipeline) : null,
      params,
      inApp: data.get("inApp") === "on",
      enabled: data.get("enabled") === "on",
      quietStart: rule?.quietStart ?? null,
      quietEnd: rule?.quietEnd ?? null,
      mutedUntil: muted ? new Date(`${muted}:00Z`).toISOString() : null,
      channelIds: data.getAll("channelIds").map(Number),
    };
    await send(rule ? "PUT" : "POST", rule ? `/api/v1/alerts/rules/${rule.id}` : "/api/v1/alerts/rules", body);
    if (!rule) {
      element.reset();
      setKind("run_failed");
      setSaved(`Rule “${body.name}” created.`);
    }
    router.refresh();
    onDone?.();
  });

  const p = rule?.params ?? {};
  return (
    <form onSubmit={submit} className={form.form} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{rule ? `Edit rule “${rule.name}”` : "New rule"}</h3>
      <div className={form.fields}>
        <NameField id={`${id}-name`} defaultValue={rule?.name} />
        <KindSelect id={`${id}-kind`} label="When" labels={KIND_LABELS} value={kind} onChange={setKind} />
        <TeamSelect id={`${id}-team`} settings={settings} value={team} onChange={setTeam} />
        <div className={form.field}>
          <label htmlFor={`${id}-pipeline`}>Pipeline</label>
          <select id={`${id}-pipeline`} name="pipelineId" defaultValue={rule?.pipelineId ?? ""} key={team}>
            <option value="">Every pipeline of the team</option>
            {pipelines.map((pl) => (
              <option key={pl.id} value={pl.id}>
                {pl.name}
              </option>
            ))}
          </select>
        </div>
        {kind === "metric_regression" ? (
          <div className={form.field}>
            <label htmlFor={`${id}-metric`}>Metric (empty: any)</label>
            <input id={`${id}-metric`} name="metric" maxLength={200} defaultValue={p.metric} autoComplete="off" />
          </div>
        ) : null}
        {kind === "step_regression" ? (
          <div className={form.field}>
            <label htmlFor={`${id}-step`}>Step (empty: any)</label>
            <input id={`${id}-step`} name="step" maxLength={500} defaultValue={p.step} autoComplete="off" />
          </div>
        ) : null}
        {kind === "metric_regression" || kind === "step_regression" ? (
          <NumberParam
            id={`${id}-threshold`}
            param={{ ...THRESHOLD, placeholder: kind === "metric_regression" ? "3" : "20" }}
            value={p.thresholdPercent}
          />
        ) : null}
        {kind === "run_stuck" ? <NumberParam id={`${id}-factor`} param={FACTOR} value={p.factor} /> : null}
        {kind === "card_review_waiting" ? <NumberParam id={`${id}-days`} param={DAYS} value={p.days} /> : null}
        <div className={form.field}>
          <label htmlFor={`${id}-muted`}>Muted until (UTC)</label>
          <input
            id={`${id}-muted`}
            name="mutedUntil"
            type="datetime-local"
            defaultValue={rule?.mutedUntil ? rule.mutedUntil.slice(0, 16) : undefined}
          />
        </div>
      </div>
      <fieldset className={styles.choices}>
        <legend>Deliver to, and state</legend>
        {channels.length === 0 ? <span className="muted">No channel of this team yet.</span> : null}
        {channels.map((c) => (
          <label key={c.id} className={form.check}>
            <input
              type="checkbox"
              name="channelIds"
              value={c.id}
              defaultChecked={rule?.channelIds.includes(c.id) ?? false}
            />
            {c.name} ({CHANNEL_LABELS[c.kind]})
          </label>
        ))}
        <label className={form.check}>
          <input type="checkbox" name="inApp" defaultChecked={rule?.inApp ?? true} />
          In-app inbox of the team's members
        </label>
        <label className={form.check}>
          <input type="checkbox" name="enabled" defaultChecked={rule?.enabled ?? true} />
          Enabled
        </label>
      </fieldset>
      <div className={styles.buttons}>
        <button type="submit" className={`${ui.button} ${ui.primary}`} disabled={pending}>
          {pending ? "Saving…" : rule ? "Save rule" : "Create rule"}
        </button>
        {onDone ? (
          <button type="button" className={ui.button} onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
      <div aria-live="polite">
        <FormError error={error} />
        {saved && !error ? <p className={styles.saved}>{saved}</p> : null}
      </div>
    </form>
  );
}

/** Delete in two steps (no browser dialog): the first press asks, the second deletes. */
/** A row's buttons for those who may change it ("read-only" for the others), and the last action's error. */
function ActionsCell({ canEdit, error, children }: { canEdit: boolean; error: string | null; children: ReactNode }) {
  return (
    <td className={styles.actions}>
      {canEdit ? children : <span className="muted">read-only</span>}
      {error ? (
        <span role="alert" className={form.error}>
          {error}
        </span>
      ) : null}
    </td>
  );
}

function ConfirmDelete({ label, onDelete }: { label: string; onDelete: () => Promise<void> | void }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className={ui.danger} onClick={() => setAsking(true)} aria-label={`Delete ${label}`}>
        Delete
      </button>
    );
  return (
    <>
      <button
        type="button"
        className={ui.danger}
        // The confirmation takes the focus, so a keyboard user lands on it.
        // biome-ignore lint/a11y/noAutofocus: the button appeared in answer to the user's own press
        autoFocus
        onClick={async () => {
          await onDelete();
          setAsking(false);
        }}
        aria-label={`Confirm: delete ${label}`}
      >
        Confirm delete
      </button>
      <button type="button" className={ui.button} onClick={() => setAsking(false)}>
        Keep
      </button>
    </>
  );
}
