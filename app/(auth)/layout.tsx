import type { ReactNode } from "react";
import styles from "./auth.module.css";

/** Pages reachable without a session: a centred card, no portal navigation. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" className={styles.page}>
      {children}
    </main>
  );
}
