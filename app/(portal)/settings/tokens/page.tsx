import type { Metadata } from "next";
import { DataTable } from "@/components/ui/data-table";
import ui from "@/components/ui/ui.module.css";
import { authSettings } from "@/lib/auth/config";
import { listMyApiTokens } from "@/lib/dal/account";
import { revokeTokenAction } from "./actions";
import { CreateTokenForm } from "./create-token-form";
import styles from "./tokens.module.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API tokens" };

const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const fmt = (date: Date | null) => (date ? `${dateTime.format(date)} UTC` : "—");

function status(token: { revokedAt: Date | null; expiresAt: Date | null }): "active" | "revoked" | "expired" {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return "expired";
  return "active";
}

export default async function TokensPage() {
  const tokens = await listMyApiTokens();
  return (
    <>
      <h1>API tokens</h1>
      <p className="muted">
        For notebooks and scripts: send <code>Authorization: Bearer sw_…</code> to <code>/api/v1</code> (see{" "}
        <a href="/api/v1/openapi.json" className={styles.inlineLink}>
          the OpenAPI document
        </a>
        ).
      </p>
      <CreateTokenForm defaultDays={authSettings.tokenDefaultDays()} maxDays={authSettings.tokenMaxDays()} />
      <h2>Your tokens</h2>
      <DataTable
        columns={["Name", "Token", "Access", "Created", "Last used", "Expires", "Status"]}
        actions
        empty="No tokens yet."
        count={tokens.length}
        label="Your API tokens"
      >
        {tokens.map((token) => {
          const state = status(token);
          return (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>{token.canWrite ? "read + write" : "read-only"}</td>
              <td>{fmt(token.createdAt)}</td>
              <td>{token.lastUsedAt ? fmt(token.lastUsedAt) : "never"}</td>
              <td>{token.expiresAt ? fmt(token.expiresAt) : "never"}</td>
              <td>
                <span className={styles[state]}>{state}</span>
              </td>
              <td>
                {state === "active" ? (
                  <form action={revokeTokenAction}>
                    <input type="hidden" name="tokenId" value={token.id} />
                    <button type="submit" className={ui.danger} aria-label={`Revoke token ${token.name}`}>
                      Revoke
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </>
  );
}
