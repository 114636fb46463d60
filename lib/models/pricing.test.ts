import { describe, expect, it } from "vitest";
import { jobCost } from "./pricing";

describe("jobCost", () => {
  it("prices instances × billable time, and the time managed spot training did not bill as its saving", () => {
    // ml.g5.2xlarge at 1.515 USD/h, 2 instances: 1 h billable of 4 h run.
    const spot = jobCost({
      instanceType: "ml.g5.2xlarge",
      instanceCount: 2,
      billableSeconds: 3600,
      ranSeconds: 14_400,
    });
    expect(spot?.usd).toBeCloseTo(3.03, 6);
    expect(spot?.spotSavingsUsd).toBeCloseTo(9.09, 6);
    const onDemand = jobCost({
      instanceType: "ml.g5.2xlarge",
      instanceCount: 1,
      billableSeconds: 3600,
      ranSeconds: 3600,
    });
    expect(onDemand).toEqual({ usd: 1.515, spotSavingsUsd: 0 });
  });

  it("bills a job without billable time (processing, transform) for the time it ran; unknown types are not priced", () => {
    expect(
      jobCost({ instanceType: "ml.m5.2xlarge", instanceCount: null, billableSeconds: null, ranSeconds: 1800 }),
    ).toEqual({
      usd: 0.461 / 2,
      spotSavingsUsd: 0,
    });
    expect(jobCost({ instanceType: "ml.x9.huge", instanceCount: 1, billableSeconds: 60, ranSeconds: 60 })).toBeNull();
    expect(
      jobCost({ instanceType: "ml.m5.large", instanceCount: 1, billableSeconds: null, ranSeconds: null }),
    ).toBeNull();
  });
});
