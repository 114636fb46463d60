import type { ReactNode } from "react";

/** The framed sign-in prompt of the embeddable views: public, no data, no live stream. */
export default function EmbedSignInLayout({ children }: { children: ReactNode }) {
  return <main id="main">{children}</main>;
}
