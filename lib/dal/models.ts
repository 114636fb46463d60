/**
 * Page-facing reads of models and their cards (lib/dal/guard.ts: each one checks the principal first).
 * A model and a card are read once per request (React's cache), however many of the page, its
 * metadata and its server components ask.
 */
import "server-only";
import { cache } from "react";
import * as queries from "@/lib/models/queries";
import { guarded } from "./guard";

const modelById = cache((modelId: number) => queries.getModel({ modelId }));
const cardOf = cache((modelId: number, version: number) => queries.getModelCard({ modelId, version }));

export const listModels = guarded(queries.listModels);
export const listModelFacets = guarded(queries.listModelFacets);
export const getModel = guarded(({ modelId }: { modelId: number }) => modelById(modelId));
export const getModelCard = guarded(({ modelId, version }: { modelId: number; version: number }) =>
  cardOf(modelId, version),
);
export const getCardRevisions = guarded(queries.getCardRevisions);
