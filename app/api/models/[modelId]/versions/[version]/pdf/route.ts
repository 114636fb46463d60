/**
 * GET /api/models/{modelId}/versions/{version}/pdf[?format=A4|Letter] — the card as a PDF file, printed
 * by headless Chromium from the print view as the signed-in user (lib/models/pdf.ts). Browser sessions
 * only: the print view is a page, and pages are signed in with the session cookie. One PDF per user at
 * a time (429 beyond, lib/api/limits.ts); a full render queue answers 503; both with Retry-After.
 */
import { z } from "zod";
import { withApi } from "@/lib/api/handler";
import { cookieNames } from "@/lib/auth/config";
import { readCookie } from "@/lib/auth/session";
import { badRequest, notFound } from "@/lib/errors";
import { renderCardPdf } from "@/lib/models/pdf";
import { STATUS_LABEL } from "@/lib/models/permissions";
import { getModelCard } from "@/lib/models/queries";
import { ModelVersionParams } from "@/lib/models/schema";
import { formatUtc } from "@/lib/models/sections";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const Query = z.object({ format: z.enum(["A4", "Letter"]).default("A4") });

export const GET = withApi(
  { scope: "read", params: ModelVersionParams, query: Query, limit: "pdf" },
  async ({ request, principal, params, query }) => {
    const name = cookieNames().sessionToken;
    const session = readCookie(request.headers.get("cookie"), name);
    if (principal.via !== "session" || !session) {
      throw badRequest("PDF download needs a browser session; scripts can read the card as JSON from /api/v1.");
    }
    const card = await getModelCard(params);
    if (!card) throw notFound(`No version ${params.version} of model ${params.modelId}.`);
    const pdf = await renderCardPdf({
      path: `/models/${card.model.id}/versions/${card.version}/print`,
      cookie: `${name}=${encodeURIComponent(session)}`,
      format: query.format,
      running: `${card.model.name} · version ${card.version} · ${STATUS_LABEL[card.identity.cardStatus]}`,
      footer: `Printed ${formatUtc(new Date().toISOString())} · ${card.url}`,
      signal: request.signal,
    });
    const filename = `${card.model.name.replace(/[^A-Za-z0-9._-]+/g, "-")}-v${card.version}-model-card.pdf`;
    return new Response(new Uint8Array(pdf), {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Disposition": `attachment; filename="${filename}"`,
        "Content-Length": String(pdf.length),
        "Cache-Control": "private, no-store",
      },
    });
  },
);
