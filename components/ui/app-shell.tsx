import Link from "next/link";
import type { ReactNode } from "react";
import { InboxBell } from "@/components/alerts/inbox-bell";
import { LiveIndicator } from "@/components/live/live-indicator";
import { Logo } from "./logo";
import { NavLink } from "./nav-link";
import styles from "./shell.module.css";
import { UserMenu } from "./user-menu";

export type ShellUser = { name: string | null; email: string | null; isAdmin: boolean } | null;

/** The portal frame: product name, primary navigation, the live-stream status and the signed-in user slot. Render inside <QueryProvider>. */
export function AppShell({ user, children }: { user: ShellUser; children: ReactNode }) {
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className={`${styles.header} no-print`}>
        <Link href="/pipelines" className={styles.brand}>
          <Logo />
          <span>Stepwise</span>
        </Link>
        <nav aria-label="Primary" className={styles.nav}>
          <NavLink href="/pipelines">Pipelines</NavLink>
          <NavLink href="/models">Models</NavLink>
          <NavLink href="/alerts">Alerts</NavLink>
        </nav>
        <LiveIndicator />
        {user ? <InboxBell /> : null}
        <div className={styles.user} data-testid="user-slot">
          {user ? <UserMenu user={user} /> : <span>Not signed in</span>}
        </div>
      </header>
      <main id="main" className={styles.main}>
        {children}
      </main>
    </>
  );
}
