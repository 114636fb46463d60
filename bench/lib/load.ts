/**
 * The machine's load while the bench runs. Figures taken on a busy machine say more about the neighbours than
 * about Stepwise, so the bench looks at the 1-minute load average before it starts (BRIEF.md: "measure on an
 * idle machine"): above IDLE_LOAD a full-scale run refuses to start unless told to go on anyway
 * (`--allow-busy`) or to wait for the machine to calm down (`--wait-idle[=minutes]`); a quick run goes on with a
 * warning. Every report records the load average at the start, before each module and at the end.
 */
import os from "node:os";

export const IDLE_LOAD = 1.5;

export type LoadSample = { at: string; label: string; load1: number; load5: number; load15: number };

export function loadSample(label: string): LoadSample {
  const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
  const round = (n: number) => Math.round(n * 100) / 100;
  return { at: new Date().toISOString(), label, load1: round(load1), load5: round(load5), load15: round(load15) };
}

export type LoadDecision = { go: boolean; warning: string | null; sample: LoadSample };

/**
 * Decides whether the bench may start. `waitMinutes` > 0 polls every 15 s until the 1-minute load falls to
 * IDLE_LOAD or the time is up. `sampler` is injectable so the rule can be tested without a busy machine.
 */
export async function checkIdle(options: {
  strict: boolean;
  allowBusy: boolean;
  waitMinutes: number;
  log: (line: string) => void;
  sampler?: () => LoadSample;
  sleep?: (ms: number) => Promise<void>;
}): Promise<LoadDecision> {
  const sampler = options.sampler ?? (() => loadSample("start"));
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  let sample = sampler();
  const deadline = Date.now() + options.waitMinutes * 60_000;
  while (sample.load1 > IDLE_LOAD && options.waitMinutes > 0 && Date.now() < deadline) {
    options.log(`load average ${sample.load1} > ${IDLE_LOAD}: waiting for the machine to be idle…`);
    await sleep(15_000);
    sample = sampler();
  }
  if (sample.load1 <= IDLE_LOAD) return { go: true, warning: null, sample };
  const warning = `the machine was busy when the bench started (1-minute load average ${sample.load1} > ${IDLE_LOAD}; 5-minute ${sample.load5}): latencies below are pessimistic`;
  if (options.strict && !options.allowBusy) return { go: false, warning, sample };
  return { go: true, warning, sample };
}
