/** /v/<id>: a saved view's short URL; redirects (after login, the callback comes back here) to its pipeline page. */
import { notFound, redirect } from "next/navigation";
import { findView } from "@/lib/dal/views";
import { ViewIdParams, viewHref } from "@/lib/views/schema";

export const dynamic = "force-dynamic";

export default async function SavedViewRedirect({ params }: { params: Promise<{ viewId: string }> }) {
  const parsed = ViewIdParams.safeParse(await params);
  // The principal first, so an unknown id and a real one look the same to someone not signed in.
  const view = await findView({ viewId: parsed.success ? parsed.data.viewId : "" });
  if (!parsed.success || !view) notFound();
  redirect(viewHref(view.pipelineId, view.params));
}
