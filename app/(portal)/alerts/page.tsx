import type { Metadata } from "next";
import { AlertsManager } from "@/components/alerts/alerts-manager";
import { getAlertSettings } from "@/lib/dal/alerts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Alerts" };

/** Every team's alert rules and channels; members (and admins) change their team's, everyone else reads. */
export default async function AlertsPage() {
  const settings = await getAlertSettings();
  return (
    <>
      <h1>Alerts</h1>
      <p className="muted">
        Tell the owning team when a run fails, hangs or regresses, or a model card waits for review — in Slack, by
        e-mail, to a webhook, or in the inbox under the bell.
      </p>
      <AlertsManager settings={settings} />
    </>
  );
}
