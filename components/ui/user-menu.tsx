import Link from "next/link";
import { signOutAction, signOutEverywhereAction } from "@/lib/auth/session-actions";
import styles from "./user-menu.module.css";

type MenuUser = { name: string | null; email: string | null; isAdmin: boolean };

/**
 * The signed-in user's menu: a native <details> disclosure (keyboard and screen
 * reader friendly, works before hydration); sign-out buttons are server-action forms.
 */
export function UserMenu({ user }: { user: MenuUser }) {
  const label = user.name ?? user.email ?? "Account";
  return (
    <details className={styles.menu}>
      <summary className={styles.summary}>
        <span className={styles.avatar} aria-hidden="true">
          {label.slice(0, 1).toUpperCase()}
        </span>
        <span className={styles.name}>{label}</span>
        <span className="visually-hidden">, account menu</span>
      </summary>
      <div className={styles.panel}>
        <p className={styles.identity}>
          <strong>{user.name ?? user.email}</strong>
          {user.name && user.email ? <span className={styles.email}>{user.email}</span> : null}
          {user.isAdmin ? <span className={styles.badge}>Admin</span> : null}
        </p>
        <ul className={styles.list}>
          <li>
            <Link href="/settings/tokens" className={styles.item}>
              API tokens
            </Link>
          </li>
          {user.isAdmin ? (
            <li>
              <Link href="/admin/audit" className={styles.item}>
                Audit log
              </Link>
            </li>
          ) : null}
          <li>
            <form action={signOutAction}>
              <button type="submit" className={styles.item}>
                Sign out
              </button>
            </form>
          </li>
          <li>
            <form action={signOutEverywhereAction}>
              <button type="submit" className={styles.item}>
                Sign out everywhere
              </button>
            </form>
          </li>
        </ul>
      </div>
    </details>
  );
}
