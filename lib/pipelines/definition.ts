/**
 * A summary of an ASL definition for the pipeline page: how many states of each kind, which SageMaker
 * job kinds it starts, and its nesting (Parallel branches, Map iterations). Pure; reads only what it
 * recognises and ignores the rest, so a malformed definition yields a partial summary, never a throw.
 */
export type DefinitionSummary = {
  states: number;
  byType: Record<string, number>;
  sagemaker: Record<string, number>;
  maps: number;
  parallels: number;
  startAt: string | null;
  comment: string | null;
};

const SAGEMAKER =
  /^arn:aws[\w-]*:states:::sagemaker:(create\w+?Job|createModelPackage|createModel)(\.sync|\.waitForTaskToken)?$/;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

export function summariseDefinition(definition: Json): DefinitionSummary {
  const summary: DefinitionSummary = {
    states: 0,
    byType: {},
    sagemaker: {},
    maps: 0,
    parallels: 0,
    startAt: null,
    comment: null,
  };
  if (!isObject(definition)) return summary;
  summary.startAt = typeof definition.StartAt === "string" ? definition.StartAt : null;
  summary.comment = typeof definition.Comment === "string" ? definition.Comment : null;
  const visit = (machine: Json, depth: number) => {
    if (!isObject(machine) || !isObject(machine.States) || depth > 20) return;
    for (const state of Object.values(machine.States)) {
      if (!isObject(state)) continue;
      const type = typeof state.Type === "string" ? state.Type : "Unknown";
      summary.states += 1;
      summary.byType[type] = (summary.byType[type] ?? 0) + 1;
      const resource = typeof state.Resource === "string" ? state.Resource : "";
      const job = SAGEMAKER.exec(resource)?.[1];
      if (job) summary.sagemaker[job] = (summary.sagemaker[job] ?? 0) + 1;
      if (type === "Map") {
        summary.maps += 1;
        visit(state.ItemProcessor ?? state.Iterator, depth + 1);
      }
      if (type === "Parallel") {
        summary.parallels += 1;
        if (Array.isArray(state.Branches)) for (const branch of state.Branches) visit(branch, depth + 1);
      }
    }
  };
  visit(definition, 0);
  return summary;
}
