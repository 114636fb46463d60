/** /embed/signed-in: where the sign-in popup of /embed/signin lands; it tells the frame and closes. */
import type { Metadata } from "next";
import { SignedIn } from "@/components/embed/signed-in";
import { requireUser } from "@/lib/auth/current";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Signed in · Stepwise", robots: { index: false } };

export default async function EmbedSignedInPage() {
  const user = await requireUser();
  return <SignedIn name={user.name ?? user.email ?? "you"} />;
}
