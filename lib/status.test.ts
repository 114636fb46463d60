import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RunStatus as PipelinesRunStatus } from "@/lib/pipelines/schema";
import { RunStatus as RunsRunStatus, StepStatus } from "@/lib/runs/schema";
import {
  JOB_STATUS,
  JOB_STATUSES,
  NODE_STATUS,
  NODE_STATUSES,
  RUN_STATUS,
  RUN_STATUSES,
  runLook,
  STEP_STATUS,
  STEP_STATUSES,
  type StatusLook,
  stepLook,
} from "./status";

const vocabularies: [string, readonly string[], Readonly<Record<string, StatusLook>>][] = [
  ["run", RUN_STATUSES, RUN_STATUS],
  ["step", STEP_STATUSES, STEP_STATUS],
  ["node", NODE_STATUSES, NODE_STATUS],
  ["job", JOB_STATUSES, JOB_STATUS],
];

describe.each(vocabularies)("the %s statuses", (_, values, looks) => {
  it("have a look for every value and no look without a value", () => {
    expect(Object.keys(looks).sort()).toEqual([...values].sort());
  });

  it("each read with a distinct word, and glyph + word never repeat", () => {
    const words = values.map((v) => looks[v]?.word);
    expect(new Set(words).size).toBe(values.length);
    const pairs = values.map((v) => `${looks[v]?.glyph} ${looks[v]?.word}`);
    expect(new Set(pairs).size).toBe(values.length);
  });

  it("never rest on colour: every look has a glyph and a word, and a token of globals.css", () => {
    const css = readFileSync(path.join(import.meta.dirname, "../app/globals.css"), "utf8");
    for (const value of values) {
      const look = looks[value] as StatusLook;
      expect(look.glyph.trim(), value).not.toBe("");
      expect(look.word.trim(), value).not.toBe("");
      expect(look.colour).toBe(`--${look.tone}`);
      expect(css, `${value}: ${look.colour}`).toContain(`${look.colour}:`);
      expect(css, `${value}: ${look.background}`).toContain(`${look.background}:`);
      expect(css, `${value}: [data-tone="${look.tone}"]`).toContain(`[data-tone="${look.tone}"]`);
      expect(look.terminal && look.active, `${value} is both terminal and active`).toBe(false);
    }
  });
});

describe("one vocabulary across runs, steps and graph nodes", () => {
  it("a status that exists for runs and steps reads the same for both", () => {
    const shared = RUN_STATUSES.filter((s) => (STEP_STATUSES as readonly string[]).includes(s));
    expect(shared).toEqual(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);
    for (const status of shared) expect(stepLook(status), status).toBe(runLook(status));
  });

  it("a graph node reads as the step status it stands for", () => {
    expect(NODE_STATUS.running).toBe(STEP_STATUS.RUNNING);
    expect(NODE_STATUS.failed).toBe(STEP_STATUS.FAILED);
    expect(NODE_STATUS["timed-out"]).toBe(STEP_STATUS.TIMED_OUT);
    expect(NODE_STATUS.caught).toBe(STEP_STATUS.CAUGHT);
    expect(NODE_STATUS.cancelled).toBe(STEP_STATUS.CANCELLED);
  });

  it("running is active and not terminal; finished statuses are terminal", () => {
    expect(RUN_STATUS.RUNNING).toMatchObject({ active: true, terminal: false });
    expect(RUN_STATUS.PENDING_REDRIVE).toMatchObject({ active: true, terminal: false });
    for (const s of ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const) {
      expect(RUN_STATUS[s], s).toMatchObject({ active: false, terminal: true });
    }
  });

  it("the zod enums of both domains accept exactly these statuses", () => {
    expect(PipelinesRunStatus.options).toEqual([...RUN_STATUSES]);
    expect(RunsRunStatus.options).toEqual([...RUN_STATUSES]);
    expect(StepStatus.options).toEqual([...STEP_STATUSES]);
  });
});

describe("a value outside the vocabulary", () => {
  it.each([
    ["DELETED", "DELETED"],
    ["", "Unknown"],
    ["constructor", "constructor"],
    ["__proto__", "__proto__"],
  ])("%j reads as %j with the ? glyph, never as a known status", (value, word) => {
    expect(runLook(value)).toMatchObject({ word, glyph: "?", tone: "idle" });
    expect(stepLook(value)).toMatchObject({ word, glyph: "?", tone: "idle" });
  });
});
