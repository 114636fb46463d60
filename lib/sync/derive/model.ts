/** deriveSteps (lib/sync/derive-steps.ts): the shapes it derives and the state its event handlers share. */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { Step } from "@/lib/generated/prisma/client";

export type StateType = "Task" | "Choice" | "Pass" | "Wait" | "Parallel" | "Map" | "Succeed" | "Fail";

/** One attempt of a retried step, as stored in `step.attempt_log` (times ISO UTC, cause cut to 1,000 chars). */
export type StepAttempt = {
  startedAt: string;
  endedAt: string | null;
  /** How the attempt ended: FAILED / TIMED_OUT (with its error), else the step's own outcome. */
  status: Step["status"];
  error: string | null;
  cause: string | null;
};

/** One execution of one state; the `step` row without its database ids. */
export type DerivedStep = Omit<Step, "id" | "runId" | "stateType" | "attemptLog"> & {
  stateType: StateType;
  /** Every attempt when the state was retried (Task, Map, Parallel); null when it ran once. */
  attemptLog: StepAttempt[] | null;
};

export type StepStatus = DerivedStep["status"];

export interface DeriveStepsOptions {
  /** The parsed ASL definition the execution ran; lets Parallel branches be numbered by the definition. */
  definition?: unknown;
}

export interface DeriveStepsResult {
  steps: DerivedStep[];
  /** Events skipped or attributed by guesswork, one line each, for logging. Never thrown. */
  warnings: string[];
}

/** The States object of an ASL scope (root, Map iterator, Parallel branch), or null when unknown. */
export type AslStates = Record<string, unknown>;

export interface Frame {
  /** Key prefix of the steps run in this frame: "", "Map[3]/", "Map[3]/Par{1}/". */
  prefix: string;
  container: StepState | null;
  mapIterationIndex: number | null;
  parallelBranchIndex: number | null;
  depth: number;
  states: AslStates | null;
  steps: StepState[];
}

export interface StepState {
  out: DerivedStep;
  frame: Frame;
  /** The outcome is final; only a redrive without a new *StateEntered may re-open it. */
  closed: boolean;
  /** An abort event hit this state; ABORTED or CANCELLED is decided by what follows. */
  abortPending: boolean;
  /** Task schedules, or Map/Parallel starts, in this entry: each one after the first is a retry. */
  starts: number;
  /** The attempts so far (times as Dates until the end of the derivation); the last one may be open. */
  attemptList: AttemptState[];
  /** Iteration / branch frames opened by a Map or Parallel step. */
  childFrames: Frame[];
  iterations: Map<number, Frame>;
  /** Branches opened since the last ParallelStateStarted, for numbering without a definition. */
  branchesOpened: number;
  /** This state's ASL node, when a definition was given. */
  definition: Record<string, unknown> | null;
}

export interface AttemptState {
  start: Date;
  end: Date | null;
  failed: "FAILED" | "TIMED_OUT" | null;
  error: string | null;
  cause: string | null;
}

export interface Context {
  frame: Frame;
  step: StepState | null;
}

/** What one derivation keeps while it walks the events; every event handler reads and updates it. */
export interface Derivation {
  root: Context;
  /** The context (frame, step) of every event seen, by event id. */
  contexts: Map<number, Context>;
  typeById: Map<number, string>;
  steps: StepState[];
  open: Set<StepState>;
  /** Per-key counters: a state entered again in the same scope gets `#2`. */
  keyCounts: Map<string, number>;
  /** ExecutionRedriven was seen: closed Map states may be continued. */
  redriven: boolean;
  warn(event: HistoryEvent | null, message: string): void;
  close(step: StepState, status: StepStatus, at: HistoryEvent, time: Date): void;
  /** Ends every still-open state under a Map/Parallel (or one iteration) that has just finished. */
  settleFrames(frames: readonly Frame[], resolve: (step: StepState) => StepStatus, at: HistoryEvent, time: Date): void;
  markAbortPending(step: StepState, time: Date, at: HistoryEvent): void;
}

/** One event as a handler sees it: its id and type, the context it inherits and its time. */
export type EventContext = {
  event: HistoryEvent;
  id: number;
  type: string;
  prevId: number | undefined;
  prev: Context;
  time: Date;
};

export type EventHandler = (dv: Derivation, e: EventContext) => void;
