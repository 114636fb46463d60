import type { Metadata } from "next";
import { DataTable } from "@/components/ui/data-table";
import ui from "@/components/ui/ui.module.css";
import { requirePrincipal } from "@/lib/auth/current";
import { listAdminSettings, listAllSessions, listAuditLog } from "@/lib/dal/account";
import { revokeSessionAction, setFourEyesAction } from "./actions";
import styles from "./audit.module.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

const dateTime = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});
const fmt = (date: Date | null) => (date ? dateTime.format(date) : "—");

function browser(userAgent: string | null): string {
  if (!userAgent) return "—";
  const match = /(Firefox|Edg|Chrome|Chromium|Safari|curl|python-requests|node)\/[\d.]+/.exec(userAgent);
  return match ? match[0] : userAgent.slice(0, 40);
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const principal = await requirePrincipal();
  if (!principal.user.isAdmin) {
    return (
      <>
        <h1>Audit log</h1>
        <p className={styles.forbiddenNotice} role="alert">
          Only Stepwise admins can see the audit log and sessions.
        </p>
      </>
    );
  }
  const params = await searchParams;
  const action = typeof params.action === "string" && params.action.length <= 64 ? params.action : undefined;
  const [sessions, entries, settings] = await Promise.all([
    listAllSessions(),
    listAuditLog({ limit: 200, action }),
    listAdminSettings(),
  ]);
  const fourEyes = settings.find((s) => s.key === "model_card.four_eyes");

  return (
    <>
      <h1>Audit log</h1>
      <h2 id="sessions-title">Active sessions</h2>
      <DataTable
        columns={["User", "Signed in (UTC)", "Idle expiry", "Ends at the latest", "IP", "Browser"]}
        actions
        labelledBy="sessions-title"
      >
        {sessions.map((session) => (
          <tr key={session.id} data-testid="session-row">
            <td>{session.user.email ?? session.user.name ?? session.user.id}</td>
            <td>{fmt(session.createdAt)}</td>
            <td>{fmt(session.expires)}</td>
            <td>{fmt(session.absoluteExpiresAt)}</td>
            <td>{session.ip ?? "—"}</td>
            <td title={session.userAgent ?? undefined}>{browser(session.userAgent)}</td>
            <td>
              {session.id === principal.credentialId ? (
                <span className="muted">this session</span>
              ) : (
                <form action={revokeSessionAction}>
                  <input type="hidden" name="sessionId" value={session.id} />
                  <button
                    type="submit"
                    className={ui.danger}
                    aria-label={`Revoke session of ${session.user.email ?? session.user.id} from ${fmt(session.createdAt)}`}
                  >
                    Revoke
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </DataTable>

      <h2 id="settings-title">Settings</h2>
      <form action={setFourEyesAction} className={styles.filter} aria-labelledby="settings-title">
        <p>
          {fourEyes?.label}: <strong data-testid="four-eyes">{fourEyes?.value ? "on" : "off"}</strong>
        </p>
        <input type="hidden" name="fourEyes" value={fourEyes?.value ? "off" : "on"} />
        <button type="submit">{fourEyes?.value ? "Turn off" : "Turn on"}</button>
      </form>

      <h2 id="entries-title">Recent events</h2>
      <form className={styles.filter} aria-label="Filter events">
        <label htmlFor="audit-action">Action starts with</label>
        <input id="audit-action" name="action" defaultValue={action ?? ""} placeholder="e.g. auth. or token." />
        <button type="submit">Filter</button>
      </form>
      <DataTable
        columns={["When (UTC)", "Who", "Via", "Action", "Target", "Outcome", "IP", "Details"]}
        labelledBy="entries-title"
      >
        {entries.map((entry) => (
          <tr key={entry.id.toString()} data-testid="audit-row">
            <td>{fmt(entry.at)}</td>
            <td>{entry.actorEmail ?? (entry.actorId ? entry.actorId : "anonymous")}</td>
            <td>{entry.via}</td>
            <td>
              <code>{entry.action}</code>
            </td>
            <td>{entry.targetType ? `${entry.targetType} ${entry.targetId ?? ""}` : "—"}</td>
            <td>
              <span className={styles[entry.outcome] ?? undefined}>{entry.outcome}</span>
            </td>
            <td>{entry.ip ?? "—"}</td>
            <td className={styles.details}>
              <code>{JSON.stringify(entry.details)}</code>
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
