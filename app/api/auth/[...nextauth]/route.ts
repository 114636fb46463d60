import type { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { requestContextFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { authOptions } from "@/lib/auth/options";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth's own endpoints (sign-in, OIDC callback, csrf, session), with request context for audit and rotation. */
async function handler(request: NextRequest, context: Context): Promise<Response> {
  const { nextauth } = await context.params;
  const requestContext = { ...requestContextFromHeaders(request.headers), authAction: nextauth[0] };
  const response: Response = await runWithRequestContext(requestContext, () =>
    NextAuth(request, context, authOptions()),
  );
  response.headers.set("Cache-Control", "no-store");
  return response;
}

export { handler as GET, handler as POST };
