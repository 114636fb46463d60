"use client";
/**
 * The header's bell: the caller's unread alerts (GET /api/v1/inbox), kept current by the tab's live stream
 * (topic `inbox`, which the server narrows to the caller's own). A native <details> disclosure, like the user
 * menu: keyboard and screen-reader friendly. The count is a number and words, never a colour alone.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useLiveTopic } from "@/components/live/live-provider";
import ui from "@/components/ui/ui.module.css";
import type { Inbox } from "@/lib/alerts/api-schema";
import { inboxKeys } from "@/lib/query-keys";
import styles from "./inbox-bell.module.css";

async function fetchInbox(signal: AbortSignal): Promise<Inbox> {
  const response = await fetch("/api/v1/inbox", { headers: { accept: "application/json" }, signal });
  if (!response.ok) throw new Error(`inbox: ${response.status}`);
  return (await response.json()) as Inbox;
}

export function InboxBell() {
  useLiveTopic("inbox");
  const queryClient = useQueryClient();
  const inbox = useQuery({ queryKey: inboxKeys.all, queryFn: ({ signal }) => fetchInbox(signal) });
  const markRead = useMutation({
    mutationFn: async (body: { ids: number[] } | { all: true }) => {
      const response = await fetch("/api/v1/inbox/read", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`inbox: ${response.status}`);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: inboxKeys.all }),
  });
  const unread = inbox.data?.unread ?? 0;
  const items = inbox.data?.items ?? [];
  const countText = unread >= 1000 ? "999+" : String(unread);
  return (
    <details className={styles.menu} data-testid="inbox">
      <summary className={styles.summary} aria-label={`Notifications, ${unread} unread`}>
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" className={styles.icon}>
          <path
            d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm0 19a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 ? (
          <span className={styles.count} data-testid="inbox-count">
            {countText}
          </span>
        ) : null}
      </summary>
      <section className={styles.panel} aria-label="Notifications">
        <div className={styles.head}>
          <h2 className={styles.title}>Notifications</h2>
          {unread > 0 ? (
            <button type="button" className={ui.smallAction} onClick={() => markRead.mutate({ all: true })}>
              Mark all read
            </button>
          ) : null}
        </div>
        {items.length === 0 ? (
          <p className={styles.empty}>
            Nothing yet. Alerts of your team's rules and of the pipelines you watch arrive here.
          </p>
        ) : (
          <ul className={styles.list}>
            {items.map((item) => (
              <li key={item.id} className={styles.item} data-read={item.read || undefined} data-testid="inbox-item">
                <span className={styles.state}>{item.read ? "Read" : "New"}</span>
                {item.path ? (
                  <Link
                    href={item.path}
                    className={styles.link}
                    onClick={() => (item.read ? undefined : markRead.mutate({ ids: [item.id] }))}
                  >
                    {item.title}
                  </Link>
                ) : (
                  <span className={styles.link}>{item.title}</span>
                )}
                {item.changes.length ? (
                  <ul className={styles.changes}>
                    {item.changes.slice(0, 3).map((c) => (
                      <li key={c}>{c}</li>
                    ))}
                  </ul>
                ) : null}
                <span className={styles.time}>{item.createdAt.slice(0, 16).replace("T", " ")} UTC</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </details>
  );
}
