import type { ReactNode } from "react";
import { requireUser } from "@/lib/auth/current";

/**
 * Documents meant for paper (the model card's print view): no portal navigation, but the same login
 * as every portal page (an unauthenticated visitor is sent to sign in and back).
 */
export default async function PrintLayout({ children }: { children: ReactNode }) {
  await requireUser();
  return <main id="main">{children}</main>;
}
