import { describe, expect, it } from "vitest";
import { fullPageFor, leavesEmbed } from "./links";

describe("embed links", () => {
  it.each([
    ["/embed/runs/r-1", "?step=Train", "/runs/r-1?step=Train"],
    ["/embed/runs/r-1", "", "/runs/r-1"],
    ["/embed/pipelines/7/metrics", "?m=auc", "/pipelines/7?m=auc"],
    ["/embed/pipelines/7/graph", "", "/pipelines/7"],
    ["/embed/models/3/versions/2", "", "/models/3?version=2"],
    ["/embed/signin", "", "/pipelines"],
  ])("%s%s opens %s in Stepwise", (path, search, expected) => {
    expect(fullPageFor(path, search)).toBe(expected);
  });

  it("keeps links between embeddable views in the frame, and sends every other link out", () => {
    const origin = "http://localhost:3000/embed/runs/x?tab=steps";
    expect(leavesEmbed("/embed/runs/x", origin)).toBe(false);
    expect(leavesEmbed("?step=Train", origin)).toBe(false);
    expect(leavesEmbed("/pipelines/1", origin)).toBe(true);
    expect(leavesEmbed("https://eu-west-1.console.aws.amazon.com/states", origin)).toBe(true);
    expect(leavesEmbed("/embedded", origin)).toBe(true);
  });
});
