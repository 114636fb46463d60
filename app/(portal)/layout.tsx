import type { ReactNode } from "react";
import { QueryProvider } from "@/components/providers/query-provider";
import { AppShell } from "@/components/ui/app-shell";
import { requireUser } from "@/lib/auth/current";

/**
 * Every portal page needs a live session (checked in the database, not just the
 * cookie), and gets the tab's TanStack Query client + live stream.
 */
export default async function PortalLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <QueryProvider>
      <AppShell user={{ name: user.name, email: user.email, isAdmin: user.isAdmin }}>{children}</AppShell>
    </QueryProvider>
  );
}
