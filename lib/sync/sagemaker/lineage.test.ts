import { describe, expect, it } from "vitest";
import { jobOfStep, parseJobArn } from "./kinds";
import { lineageHints } from "./lineage";
import { cardContentFromSageMaker, cardLinks } from "./model-cards";

describe("jobOfStep", () => {
  it("reads the kind from the resource and the name from the step, else from the ARN", () => {
    const resource = "arn:aws:states:::sagemaker:createTrainingJob.sync";
    expect(jobOfStep({ jobName: "Run-1-train-00", jobArn: null, resource })).toEqual({
      kind: "TRAINING",
      name: "Run-1-train-00",
    });
    expect(
      jobOfStep({ jobName: null, jobArn: "arn:aws:sagemaker:eu-west-1:1:transform-job/fc-de-bt-00", resource: null }),
    ).toEqual({ kind: "TRANSFORM", name: "fc-de-bt-00" });
    expect(jobOfStep({ jobName: "x", jobArn: null, resource: "createHyperParameterTuningJob.sync" })?.kind).toBe(
      "TUNING",
    );
    expect(
      jobOfStep({
        jobName: null,
        jobArn: "arn:aws:sagemaker:eu-west-1:1:model-package/g/3",
        resource: "createModelPackage",
      }),
    ).toBeNull();
    expect(jobOfStep({ jobName: null, jobArn: null, resource }), "no name anywhere").toBeNull();
    expect(parseJobArn("not an arn")).toBeNull();
  });
});

describe("lineageHints", () => {
  it("names the training job from metadata, ARNs or the default artifact path, never from a wildcard", () => {
    const hints = lineageHints({
      customerMetadata: {
        "stepwise:training-job": "run-7-train-00",
        "stepwise:execution-arn": "arn:aws:states:eu-west-1:1:execution:sm:run-7",
      },
      metadataProperties: { GeneratedBy: "arn:aws:sagemaker:eu-west-1:1:training-job/other-job" },
      modelDataUrls: ["s3://b/models/run-7-train-00/output/model.tar.gz"],
    });
    expect(hints).toEqual({
      jobNames: ["run-7-train-00", "other-job"],
      artifactUris: ["s3://b/models/run-7-train-00/output/model.tar.gz"],
      executionArns: ["arn:aws:states:eu-west-1:1:execution:sm:run-7"],
    });
    const map = lineageHints({
      customerMetadata: { "stepwise:training-job": "run-8-*" },
      metadataProperties: {},
      modelDataUrls: ["s3://b/models/run-8/bundle.tar.gz"],
    });
    expect(map.jobNames).toEqual([]);
  });
});

describe("SageMaker card content", () => {
  it("keeps the SageMaker content and maps the narrative fields; missing ones are null", () => {
    const content = {
      model_overview: { model_description: "Ranks sizes" },
      intended_uses: { intended_uses: "Shop pages", risk_rating: "Low" },
      additional_information: { custom_details: { model_package_arn: "arn:aws:sagemaker:r:1:model-package/g/2" } },
      evaluation_details: [{ name: "Holdout", evaluation_observation: "Fine" }],
    };
    const mapped = cardContentFromSageMaker(content, {
      arn: "a",
      name: "n",
      version: 3,
      status: "Draft",
      modifiedAt: null,
    });
    expect(mapped).toMatchObject({
      modelDescription: "Ranks sizes",
      intendedUses: "Shop pages",
      riskRating: "Low",
      evaluationNotes: "**Holdout:** Fine",
      ethicalConsiderations: null,
      businessDetails: null,
      sagemaker: content,
      importedFrom: { modelCardArn: "a", modelCardVersion: 3 },
    });
    expect(cardLinks(content).packageArns).toEqual(["arn:aws:sagemaker:r:1:model-package/g/2"]);
    expect(cardLinks("not an object")).toEqual({ packageArns: [], trainingJobArns: [] });
  });
});
