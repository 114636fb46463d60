/** A run's steps as a CSV table (lib/api/csv.ts), with each step's duration for notebooks. */
import type { CsvTable } from "@/lib/api/csv";
import type { StepList } from "./schema";

export const stepsTable = (list: StepList): CsvTable => ({
  name: "steps",
  rows: list.steps.map((step) => ({
    ...step,
    durationMs: step.exitedAt ? Date.parse(step.exitedAt) - Date.parse(step.enteredAt) : null,
  })),
  leading: ["key", "stateName", "stateType", "status", "enteredAt", "exitedAt", "durationMs"],
});
