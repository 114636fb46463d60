/**
 * /embed/signin: shown inside a frame to a visitor without a session. The company's login page (and its IdP)
 * refuse to be framed, so sign-in happens in a popup (/login → /embed/signed-in, which tells this frame and
 * closes); where the browser keeps third-party cookies apart, the frame then asks for storage access.
 */
import type { Metadata } from "next";
import { EmbedSignIn } from "@/components/embed/embed-signin";
import { safeCallbackPath } from "@/lib/auth/callback-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in · Stepwise", robots: { index: false } };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function EmbedSignInPage({ searchParams }: Props) {
  const raw = (await searchParams).callbackUrl;
  const target = safeCallbackPath(Array.isArray(raw) ? raw[0] : raw, "/embed/signed-in");
  // Only the embeddable views are opened again inside the frame.
  const next = target === "/embed" || target.startsWith("/embed/") ? target : "/embed/signed-in";
  return <EmbedSignIn next={next} />;
}
