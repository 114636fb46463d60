/** /runs?arn=<execution ARN> (or ?id=…): finds the run and redirects to its page; without a match, a 404. */
import { notFound, redirect } from "next/navigation";
import { getRun } from "@/lib/dal/runs";
import { runPath } from "@/lib/runs/links";

export const dynamic = "force-dynamic";

export default async function RunLookup({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = await searchParams;
  const raw = query.arn ?? query.id;
  const id = Array.isArray(raw) ? raw[0] : raw;
  if (!id) redirect("/pipelines");
  const run = await getRun({ id: id.trim().slice(0, 2048), payloads: false });
  if (!run) notFound();
  redirect(runPath(run.publicId));
}
