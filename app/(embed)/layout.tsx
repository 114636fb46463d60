import type { ReactNode } from "react";
import { EmbedFrame } from "@/components/embed/embed-frame";
import { QueryProvider } from "@/components/providers/query-provider";

/**
 * The embeddable views (/embed/...): the same data and live updates as the portal pages, without their
 * navigation, for the developer portal's iframes. Each page reads through lib/dal (the principal is checked
 * there, not here); a visitor without a session is sent to /embed/signin, which may be framed.
 * Which sites may frame these pages: STEPWISE_FRAME_ANCESTORS (proxy.ts; off by default).
 */
export default function EmbedLayout({ children }: { children: ReactNode }) {
  return (
    <QueryProvider>
      <EmbedFrame>{children}</EmbedFrame>
    </QueryProvider>
  );
}
