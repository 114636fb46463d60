/**
 * Any /api path no route answers: a 404 in the shared JSON error shape (lib/errors.ts) instead of
 * Next's HTML not-found page. Behind withApi like every API route, so it still needs a session or
 * token (the proxy sends credential-less calls to the 401 route before they get here).
 */
import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";

export const dynamic = "force-dynamic";

const handler = withApi({ scope: "read" }, async ({ request }) => {
  throw notFound(`No API route ${new URL(request.url).pathname.slice(0, 200)}; see /api/v1/openapi.json.`);
});

export { handler as DELETE, handler as GET, handler as PATCH, handler as POST, handler as PUT };
