/** /pipelines/<id or name>/runs/<execution name> → /runs/<publicId> (view-state query kept); unknown → 404. */
import { notFound, redirect } from "next/navigation";
import { findRunByExecutionName } from "@/lib/dal/runs";
import { runPath } from "@/lib/runs/links";

export const dynamic = "force-dynamic";

export default async function RunByExecutionName({
  params,
  searchParams,
}: {
  params: Promise<{ pipelineId: string; name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { pipelineId, name } = await params;
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  const publicId = await findRunByExecutionName({ pipeline: decode(pipelineId), name: decode(name) });
  if (!publicId) notFound();
  const query = await searchParams;
  redirect(
    runPath(publicId, Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))),
  );
}
