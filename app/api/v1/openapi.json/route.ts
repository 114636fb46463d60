import { withApi } from "@/lib/api/handler";
import { openApiDocument } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read" }, async () => openApiDocument());
