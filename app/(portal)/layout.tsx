import type { ReactNode } from "react";
import { AppShell } from "@/components/ui/app-shell";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  return <AppShell user={null}>{children}</AppShell>;
}
