import { describe, expect, it } from "vitest";
import { embedTargetOf, oembedFor } from "./oembed";

const ORIGIN = "https://stepwise.example.com";

describe("oEmbed", () => {
  it.each([
    ["https://stepwise.example.com/runs/r-abc", { kind: "run", id: "r-abc" }],
    ["/runs/r-abc?step=Train", { kind: "run", id: "r-abc" }],
    ["https://stepwise.example.com/embed/runs/r-abc", { kind: "run", id: "r-abc" }],
    [
      `${ORIGIN}/runs/${encodeURIComponent("arn:aws:states:eu-west-1:1:execution:m:e")}`,
      { kind: "run", id: "arn:aws:states:eu-west-1:1:execution:m:e" },
    ],
    [`${ORIGIN}/pipelines/12`, { kind: "pipeline", id: 12 }],
    [`${ORIGIN}/pipelines/12?m=auc`, { kind: "pipeline", id: 12 }],
    [`${ORIGIN}/models/3?version=2`, { kind: "model", id: 3, version: 2 }],
    [`${ORIGIN}/embed/models/3/versions/2`, { kind: "model", id: 3, version: 2 }],
  ])("knows what %s shows", (url, expected) => {
    expect(embedTargetOf(url, ORIGIN)).toEqual(expected);
  });

  it.each([
    "https://evil.example/runs/r-abc",
    "http://stepwise.example.com/runs/r-abc",
    `${ORIGIN}/pipelines`,
    `${ORIGIN}/pipelines/abc`,
    `${ORIGIN}/models/3`,
    `${ORIGIN}/runs/a/b`,
    `${ORIGIN}/runs/%00`,
    `${ORIGIN}/runs/%E0%A4%A`,
    `${ORIGIN}/settings/tokens`,
    "javascript:alert(1)",
    "",
  ])("refuses %s", (url) => {
    expect(embedTargetOf(url, ORIGIN)).toBeNull();
  });

  it("answers a valid rich oEmbed document whose html frames the embeddable view, escaped", () => {
    const answer = oembedFor({
      origin: ORIGIN,
      target: { kind: "run", id: 'r"><script>' },
      title: 'nightly "<b>" run',
      maxWidth: 500,
    });
    expect(answer).toMatchObject({ version: "1.0", type: "rich", provider_name: "Stepwise", width: 500, height: 600 });
    expect(answer.html).toBe(
      `<iframe src="${ORIGIN}/embed/runs/r%22%3E%3Cscript%3E" width="500" height="600" title="nightly &quot;&lt;b&gt;&quot; run" style="border:0" loading="lazy"></iframe>`,
    );
  });
});
