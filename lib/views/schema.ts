/**
 * Zod schemas of saved views: a named view of a pipeline page (lib/pipelines/search-params.ts reads the same
 * keys), owned by the user who saved it or by one of their teams, opened through /v/<id>. Free of server
 * imports (route handlers and the OpenAPI document share them; the client island imports only their types and
 * ./keys, so the browser does not load zod).
 */
import { z } from "zod";
import { parseSearch, SearchSyntaxError } from "@/lib/runs/search";
import { VIEW_KEYS } from "./keys";

export { VIEW_KEYS, type ViewKey } from "./keys";

export const ViewIdParams = z.object({
  viewId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{6,32}$/, "a view id")
    .meta({ description: "The view's short id (`/v/<id>`).", example: "k3v9x2mq7r" }),
});

const pipelineId = z.coerce.number().int().min(1).max(2_147_483_647);

export const ViewListQuery = z.object({
  pipelineId: pipelineId.meta({ description: "The pipeline whose views to list." }),
});

export const ViewParams = z
  .partialRecord(z.enum(VIEW_KEYS), z.string().max(1000))
  .superRefine((params, ctx) => {
    if (!params.q) return;
    try {
      parseSearch(params.q);
    } catch (error) {
      if (!(error instanceof SearchSyntaxError)) throw error;
      ctx.addIssue({ code: "custom", path: ["q"], message: error.message });
    }
  })
  .meta({
    id: "ViewParams",
    description: `The pipeline page's search parameters the view opens with (keys: ${VIEW_KEYS.join(", ")}).`,
  });
export type ViewParams = z.infer<typeof ViewParams>;

export const CreateViewBody = z.strictObject({
  pipelineId,
  name: z.string().trim().min(1).max(120),
  params: ViewParams,
  team: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, "a team slug")
    .optional()
    .meta({ description: "Team slug: a team view (members only). Without it the view is the caller's own." }),
});
export type CreateViewBody = z.infer<typeof CreateViewBody>;

export const SavedView = z
  .object({
    id: z.string(),
    url: z.string().meta({ description: "The short URL path, `/v/<id>`." }),
    pipelineId: z.number().int(),
    name: z.string(),
    params: z.record(z.string(), z.string()),
    owner: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("user"), name: z.string(), self: z.boolean() }),
      z.object({ kind: z.literal("team"), slug: z.string(), name: z.string() }),
    ]),
    canDelete: z
      .boolean()
      .meta({ description: "Whether the caller may delete it (its owner, a team member, an admin)." }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "SavedView" });
export type SavedView = z.infer<typeof SavedView>;

export const SavedViewList = z
  .object({
    views: z.array(SavedView),
    teams: z
      .array(z.object({ slug: z.string(), name: z.string() }))
      .meta({ description: "Teams the caller may save team views for." }),
  })
  .meta({ id: "SavedViewList" });
export type SavedViewList = z.infer<typeof SavedViewList>;

/** `/pipelines/<id>?<params>` for a view's params (only the known keys, in a fixed order). */
export function viewHref(pipelineId: number, params: Record<string, string>): string {
  const search = new URLSearchParams();
  for (const key of VIEW_KEYS) {
    const value = params[key];
    if (value) search.set(key, value);
  }
  const text = search.toString();
  return `/pipelines/${pipelineId}${text ? `?${text}` : ""}`;
}
