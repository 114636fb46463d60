import "server-only";
import { prisma } from "@/lib/db";

export async function listModels({ limit = 100 }: { limit?: number } = {}) {
  return prisma.modelGroup.findMany({
    orderBy: { name: "asc" },
    take: limit,
    select: { id: true, name: true, team: { select: { name: true } }, _count: { select: { versions: true } } },
  });
}
