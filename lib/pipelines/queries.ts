import "server-only";
import { prisma } from "@/lib/db";

export async function listPipelines({ limit = 100 }: { limit?: number } = {}) {
  return prisma.pipeline.findMany({
    where: { status: "ACTIVE" },
    orderBy: [{ lastRunAt: { sort: "desc", nulls: "last" } }, { name: "asc" }],
    take: limit,
    select: { id: true, name: true, lastRunAt: true, team: { select: { name: true } } },
  });
}
