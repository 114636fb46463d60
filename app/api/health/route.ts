import { getHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers: no login, no secrets. */
export async function GET() {
  const health = await getHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
