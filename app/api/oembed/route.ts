/**
 * GET /api/oembed?url=<Stepwise URL>[&maxwidth&maxheight&format=json]: the oEmbed answer for a shared run,
 * pipeline or model-card URL (lib/embed/oembed.ts). Like every API it needs a session or a token: the title
 * names the run, and a chat tool's unfurler asks with the token its admin configured.
 */
import { z } from "zod";
import { withApi } from "@/lib/api/handler";
import { appOrigin } from "@/lib/auth/config";
import { embedTargetOf, oembedFor } from "@/lib/embed/oembed";
import { badRequest, isAppError, notFound, notImplemented } from "@/lib/errors";
import { getModel } from "@/lib/models/queries";
import { getPipeline } from "@/lib/pipelines/queries";
import { getRun } from "@/lib/runs/queries";
import { runLook } from "@/lib/status";

export const dynamic = "force-dynamic";

const size = z.coerce.number().int().min(50).max(4000).optional();
const OEmbedQuery = z.object({
  url: z.string().min(1, "url is required: the Stepwise page to embed").max(4096),
  maxwidth: size,
  maxheight: size,
  format: z.string().max(20).optional(),
});

export const GET = withApi({ scope: "read", query: OEmbedQuery }, async ({ request, query }) => {
  if (query.format && query.format !== "json")
    throw notImplemented(`Only format=json is offered, not "${query.format}".`);
  const origin = appOrigin() ?? new URL(request.url).origin;
  const target = embedTargetOf(query.url, origin);
  if (!target) throw badRequest(`Not a run, pipeline or model-card URL of this Stepwise (${origin}).`);
  let title: string;
  try {
    if (target.kind === "run") {
      const run = await getRun({ id: target.id, payloads: false });
      if (!run) throw notFound("No such run.");
      title = `${run.name} · ${run.pipeline.name} · ${runLook(run.status).word}`;
    } else if (target.kind === "pipeline") {
      const pipeline = await getPipeline({ pipelineId: target.id });
      title = `${pipeline.name} · metric evolution`;
    } else {
      const model = await getModel({ modelId: target.id });
      if (!model) throw notFound("No such model.");
      title = `${model.name} version ${target.version} · model card`;
    }
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") throw notFound("Nothing to embed at that URL.");
    throw error;
  }
  return oembedFor({ origin, target, title, maxWidth: query.maxwidth, maxHeight: query.maxheight });
});
