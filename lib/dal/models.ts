/** Page-facing reads of models and their cards (lib/dal/guard.ts: each one checks the principal first). */
import "server-only";
import * as queries from "@/lib/models/queries";
import { guarded } from "./guard";

export const listModels = guarded(queries.listModels);
export const listModelFacets = guarded(queries.listModelFacets);
export const getModel = guarded(queries.getModel);
export const getModelCard = guarded(queries.getModelCard);
export const getCardRevisions = guarded(queries.getCardRevisions);
