/**
 * SageMaker → Postgres: jobs of Step Functions steps (status, transitions, hyperparameters,
 * resources, billable time, final metrics, per-epoch series), the poll of running jobs, the
 * EventBridge single-job route, and the model registry with model cards. The sync core calls these
 * after deriving a run's steps and on its schedule; every write is bulk, idempotent and leaves
 * unchanged rows untouched.
 */

export { DESCRIBE_ACTION, pollRunningJobs, syncJobByName, syncJobsForSteps, syncPendingSeries } from "./jobs";
export { type JobKind, jobOfStep } from "./kinds";
export { syncModelRegistry } from "./registry";
