/**
 * A benchmark module measures one subject and returns measurements, each with
 * the target from BRIEF.md beside it. Adding a measurement for a new page is one
 * module in bench/modules/ listed in bench/modules/index.ts.
 */
import type pg from "pg";
import type { RunningApp } from "./app";
import type { Summary } from "./stats";

export type Scale = "quick" | "full";

export type Measurement = {
  /** e.g. "pipeline page server time" */
  name: string;
  /** what the numbers are in: "ms", "events/s", "MB", "calls", "queries" */
  unit: string;
  /** percentiles for latencies, or a single value for throughput/counts */
  summary?: Summary;
  value?: number;
  /** the BRIEF.md target in words, and whether this run met it (null: no target or not comparable) */
  target: string;
  met: boolean | null;
  /** ratio to a raw baseline measured in the same run, with what the baseline was */
  ratio?: { value: number; baseline: string };
  notes?: string;
};

export type BenchContext = {
  scale: Scale;
  databaseUrl: string;
  pool: pg.Pool;
  /** The app under measurement (started lazily by modules that need it). */
  app: () => Promise<RunningApp>;
  log: (line: string) => void;
  /** Command-line arguments, for modules with options of their own (e.g. --history-events=N). */
  args: string[];
};

export type BenchModule = {
  name: string;
  /** Runs only when named in --only= (long seeding, e.g. the 50M-event history table). */
  optIn?: boolean;
  /** Modules whose subject has not landed yet return [] with a log line. */
  run: (ctx: BenchContext) => Promise<Measurement[]>;
};
