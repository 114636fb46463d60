import { redirect } from "next/navigation";
import { requirePrincipal } from "@/lib/auth/current";

export const dynamic = "force-dynamic";

export default async function Home() {
  await requirePrincipal();
  redirect("/pipelines");
}
