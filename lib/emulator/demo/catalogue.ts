/**
 * The demo catalogue: four pipelines of an e-commerce ML platform, written as the ASL a pipeline
 * DSL would compile to (SageMaker .sync jobs, Lambda steps, Choice quality gates, Parallel
 * evaluation, inline Map over markets, Distributed Map over category shards, retries), plus the
 * model of how each training metric evolves over successive runs (slow improvement, seasonal drift,
 * noise, and seeded regression episodes) so metric-evolution graphs have a story.
 */
import type { Json, JsonObject } from "../util";

export interface MetricModel {
  name: string;
  regex: string;
  higherIsBetter: boolean;
  /** value of run 0, value approached after many runs */
  start: number;
  plateau: number;
  noise: number;
}

export interface DemoPipeline {
  name: string;
  team: string;
  description: string;
  headlineMetric: string;
  modelPackageGroup: string;
  modelCard: boolean;
  /** relative frequency of runs */
  weight: number;
  metrics: MetricModel[];
  markets?: string[];
  definition: Json;
}

const ROLE = "arn:aws:iam::123456789012:role/stepwise-demo-sagemaker";
const BUCKET = "s3://stepwise-demo-ml";

const trainingParams = (o: {
  image: string;
  instance: string;
  metrics: MetricModel[];
  hyper: Record<string, string>;
  nameExpr: string;
  extraHyper?: Record<string, string>;
}) => ({
  "TrainingJobName.$": o.nameExpr,
  AlgorithmSpecification: {
    TrainingImage: o.image,
    TrainingInputMode: "File",
    MetricDefinitions: o.metrics.map((m) => ({ Name: m.name, Regex: m.regex })),
    EnableSageMakerMetricsTimeSeries: true,
  },
  HyperParameters: { ...o.hyper, ...o.extraHyper },
  RoleArn: ROLE,
  InputDataConfig: [
    {
      ChannelName: "train",
      DataSource: {
        S3DataSource: {
          S3DataType: "S3Prefix",
          "S3Uri.$": "$.dataset.train",
          S3DataDistributionType: "FullyReplicated",
        },
      },
    },
    {
      ChannelName: "validation",
      DataSource: {
        S3DataSource: {
          S3DataType: "S3Prefix",
          "S3Uri.$": "$.dataset.validation",
          S3DataDistributionType: "FullyReplicated",
        },
      },
    },
  ],
  OutputDataConfig: { S3OutputPath: `${BUCKET}/models/` },
  ResourceConfig: { InstanceType: o.instance, InstanceCount: 1, VolumeSizeInGB: 50 },
  StoppingCondition: { MaxRuntimeInSeconds: 14400 },
});

const capacityRetry = {
  ErrorEquals: ["SageMaker.AmazonSageMakerException"],
  IntervalSeconds: 30,
  MaxAttempts: 3,
  BackoffRate: 2,
};
const lambdaRetry = {
  ErrorEquals: ["Lambda.TooManyRequestsException", "Lambda.ServiceException"],
  IntervalSeconds: 2,
  MaxAttempts: 4,
  BackoffRate: 2,
};

const processing = (name: string, image: string, args: string[]) => ({
  Type: "Task",
  Resource: "arn:aws:states:::sagemaker:createProcessingJob.sync",
  Parameters: {
    "ProcessingJobName.$": `States.Format('{}-${name}-{}{}', $$.Execution.Name, $$.Execution.RedriveCount, $$.State.RetryCount)`,
    AppSpecification: { ImageUri: image, ContainerArguments: args },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.2xlarge", VolumeSizeInGB: 30 } },
    RoleArn: ROLE,
    StoppingCondition: { MaxRuntimeInSeconds: 7200 },
  },
});

/** The RegisterModel state of a pipeline: a model package in `group` with the evaluation's metadata; `next`: Next or End. */
const registerModel = (group: string, evaluationPath: string, next: JsonObject = {}) => ({
  Type: "Task",
  Resource: "arn:aws:states:::sagemaker:createModelPackage",
  Parameters: {
    ModelPackageGroupName: group,
    "ModelPackageDescription.$": "States.Format('Trained by execution {}', $$.Execution.Name)",
    ModelApprovalStatus: "PendingManualApproval",
    InferenceSpecification: {
      Containers: [
        {
          Image: "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3-cpu-py311",
          "ModelDataUrl.$": "$.training.ModelArtifacts.S3ModelArtifacts",
        },
      ],
      SupportedContentTypes: ["application/json"],
      SupportedResponseMIMETypes: ["application/json"],
    },
    ModelMetrics: {
      ModelQuality: {
        Statistics: {
          ContentType: "application/json",
          "S3Uri.$": "States.Format('s3://stepwise-demo-ml/evaluation/{}/metrics.json', $$.Execution.Name)",
        },
      },
    },
    "CustomerMetadataProperties.$": evaluationPath,
    MetadataProperties: { GeneratedBy: "stepwise-demo", "ProjectId.$": "$$.StateMachine.Name" },
  },
  ResultPath: "$.registration",
  ...next,
});

const sizeMetrics: MetricModel[] = [
  {
    name: "validation:ndcg_at_10",
    regex: "val_ndcg@10=([0-9\\.]+)",
    higherIsBetter: true,
    start: 0.61,
    plateau: 0.705,
    noise: 0.006,
  },
  {
    name: "validation:size_accuracy",
    regex: "val_size_acc=([0-9\\.]+)",
    higherIsBetter: true,
    start: 0.58,
    plateau: 0.66,
    noise: 0.007,
  },
  {
    name: "validation:loss",
    regex: "val_loss=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.92,
    plateau: 0.71,
    noise: 0.01,
  },
  {
    name: "train:loss",
    regex: "train_loss=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.85,
    plateau: 0.62,
    noise: 0.01,
  },
];

const forecastMetrics: MetricModel[] = [
  {
    name: "validation:wape",
    regex: "wape=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.29,
    plateau: 0.215,
    noise: 0.006,
  },
  {
    name: "validation:mape",
    regex: "mape=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.34,
    plateau: 0.26,
    noise: 0.008,
  },
  {
    name: "validation:bias",
    regex: "bias=(-?[0-9\\.]+)",
    higherIsBetter: true,
    start: -0.06,
    plateau: -0.01,
    noise: 0.006,
  },
  {
    name: "train:quantile_loss",
    regex: "train_ql=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.19,
    plateau: 0.13,
    noise: 0.004,
  },
];

const returnsMetrics: MetricModel[] = [
  {
    name: "validation:pr_auc",
    regex: "val_pr_auc=([0-9\\.]+)",
    higherIsBetter: true,
    start: 0.41,
    plateau: 0.52,
    noise: 0.006,
  },
  {
    name: "validation:roc_auc",
    regex: "val_roc_auc=([0-9\\.]+)",
    higherIsBetter: true,
    start: 0.8,
    plateau: 0.865,
    noise: 0.004,
  },
  {
    name: "validation:logloss",
    regex: "val_logloss=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.41,
    plateau: 0.35,
    noise: 0.005,
  },
  {
    name: "business:expected_return_cost_eur",
    regex: "exp_return_cost=([0-9\\.]+)",
    higherIsBetter: false,
    start: 4.9,
    plateau: 4.1,
    noise: 0.06,
  },
];

const rankingMetrics: MetricModel[] = [
  {
    name: "validation:ndcg_at_20",
    regex: "ndcg@20=([0-9\\.]+)",
    higherIsBetter: true,
    start: 0.44,
    plateau: 0.53,
    noise: 0.005,
  },
  { name: "validation:mrr", regex: "mrr=([0-9\\.]+)", higherIsBetter: true, start: 0.31, plateau: 0.38, noise: 0.005 },
  {
    name: "train:lambdarank_loss",
    regex: "train_loss=([0-9\\.]+)",
    higherIsBetter: false,
    start: 0.66,
    plateau: 0.52,
    noise: 0.008,
  },
];

const lambdaTask = (fn: string, payload: Json, resultPath: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: `arn:aws:lambda:eu-west-1:123456789012:function:${fn}`, Payload: payload },
  Retry: [lambdaRetry],
  ResultPath: resultPath,
});

export const catalogue: DemoPipeline[] = [
  {
    name: "size-recommendation-training",
    team: "fit-and-size",
    description: "Nightly retraining of the size recommendation ranker (article x customer size advice)",
    headlineMetric: "validation:ndcg_at_10",
    modelPackageGroup: "size-recommendation",
    modelCard: true,
    weight: 3,
    metrics: sizeMetrics,
    definition: {
      Comment: "Size recommendation: features -> train -> evaluate -> quality gate -> register",
      StartAt: "BuildFeatures",
      States: {
        BuildFeatures: {
          ...processing("features", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/size-rec-features:1.14.2", [
            "--lookback-days",
            "180",
          ]),
          ResultPath: null,
          Next: "TrainModel",
        },
        TrainModel: {
          Type: "Task",
          Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
          Parameters: trainingParams({
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/size-rec-train:3.2.0",
            instance: "ml.g5.2xlarge",
            metrics: sizeMetrics,
            hyper: { epochs: "24", learning_rate: "0.0008", embedding_dim: "64", batch_size: "2048" },
            nameExpr:
              "States.Format('{}-train-{}{}', $$.Execution.Name, $$.Execution.RedriveCount, $$.State.RetryCount)",
          }),
          Retry: [capacityRetry],
          ResultPath: "$.training",
          Next: "EvaluateModel",
        },
        EvaluateModel: {
          ...lambdaTask("size-rec-evaluate", { "TrainingJobName.$": "$.training.TrainingJobName" }, "$.evaluation"),
          Next: "QualityGate",
        },
        QualityGate: {
          Type: "Choice",
          Choices: [
            { Variable: "$.evaluation.Payload.headline", NumericGreaterThanEquals: 0.6, Next: "RegisterModel" },
          ],
          Default: "SkipRegistration",
        },
        SkipRegistration: {
          Type: "Pass",
          Result: { promoted: false, reason: "ndcg@10 below the 0.60 quality gate" },
          ResultPath: "$.gate",
          Next: "Done",
        },
        RegisterModel: registerModel("size-recommendation", "$.evaluation.Payload.customerMetadata", { Next: "Done" }),
        Done: { Type: "Succeed" },
      },
    },
  },
  {
    name: "demand-forecast-per-market",
    team: "forecasting",
    description: "Weekly demand forecast per market: one model per market, batch forecast, global aggregation",
    headlineMetric: "validation:wape",
    modelPackageGroup: "demand-forecast",
    modelCard: false,
    weight: 2,
    metrics: forecastMetrics,
    markets: ["de", "fr", "nl", "it", "es", "pl", "se"],
    definition: {
      Comment: "Demand forecast: Map over markets (train + batch forecast), aggregate, register",
      StartAt: "PrepareMarkets",
      States: {
        PrepareMarkets: {
          Type: "Pass",
          Parameters: {
            "markets.$": "$.markets",
            "dataset.$": "$.dataset",
            "forecastWeek.$": "$.forecastWeek",
            "runName.$": "$$.Execution.Name",
          },
          Next: "ForecastPerMarket",
        },
        ForecastPerMarket: {
          Type: "Map",
          ItemsPath: "$.markets",
          MaxConcurrency: 3,
          ItemSelector: { "market.$": "$$.Map.Item.Value", "dataset.$": "$.dataset", "runName.$": "$.runName" },
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "TrainForecaster",
            States: {
              TrainForecaster: {
                Type: "Task",
                Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
                Parameters: trainingParams({
                  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demand-forecast-train:5.0.1",
                  instance: "ml.m5.4xlarge",
                  metrics: forecastMetrics,
                  hyper: { context_length: "52", prediction_length: "12", epochs: "30" },
                  nameExpr:
                    "States.Format('{}-{}-{}{}', $.runName, $.market, $$.Execution.RedriveCount, $$.State.RetryCount)",
                }),
                Retry: [capacityRetry, { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 60, MaxAttempts: 1 }],
                ResultSelector: { "TrainingJobName.$": "$.TrainingJobName", "ModelArtifacts.$": "$.ModelArtifacts" },
                ResultPath: "$.training",
                Next: "BatchForecast",
              },
              BatchForecast: {
                Type: "Task",
                Resource: "arn:aws:states:::sagemaker:createTransformJob.sync",
                Parameters: {
                  "TransformJobName.$":
                    "States.Format('{}-{}-bt-{}{}', $.runName, $.market, $$.Execution.RedriveCount, $$.State.RetryCount)",
                  "ModelName.$": "$.training.TrainingJobName",
                  TransformInput: {
                    DataSource: {
                      S3DataSource: {
                        S3DataType: "S3Prefix",
                        "S3Uri.$": "States.Format('s3://stepwise-demo-ml/forecast-input/{}/', $.market)",
                      },
                    },
                    ContentType: "application/jsonlines",
                  },
                  TransformOutput: {
                    "S3OutputPath.$": "States.Format('s3://stepwise-demo-ml/forecasts/{}/{}/', $.runName, $.market)",
                  },
                  TransformResources: { InstanceType: "ml.m5.xlarge", InstanceCount: 1 },
                },
                ResultSelector: {
                  "TransformJobName.$": "$.TransformJobName",
                  "TransformJobStatus.$": "$.TransformJobStatus",
                },
                ResultPath: "$.forecast",
                End: true,
              },
            },
          },
          ResultPath: "$.perMarket",
          Next: "AggregateForecasts",
        },
        AggregateForecasts: {
          ...lambdaTask(
            "demand-forecast-aggregate",
            {
              "runName.$": "$.runName",
              "markets.$": "$.markets",
              "trainingJobs.$": "$.perMarket[*].training.TrainingJobName",
            },
            "$.evaluation",
          ),
          Next: "RegisterModel",
        },
        RegisterModel: {
          ...registerModel("demand-forecast", "$.evaluation.Payload.customerMetadata"),
          Parameters: {
            ...registerModel("demand-forecast", "$.evaluation.Payload.customerMetadata").Parameters,
            InferenceSpecification: {
              Containers: [
                {
                  Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demand-forecast-serve:5.0.1",
                  "ModelDataUrl.$": "States.Format('s3://stepwise-demo-ml/models/{}/bundle.tar.gz', $.runName)",
                },
              ],
              SupportedContentTypes: ["application/jsonlines"],
              SupportedResponseMIMETypes: ["application/jsonlines"],
            },
          },
          End: true,
        },
      },
    },
  },
  {
    name: "return-probability",
    team: "returns",
    description: "Return-probability classifier with parallel offline evaluation, fairness audit and shadow scoring",
    headlineMetric: "validation:pr_auc",
    modelPackageGroup: "return-probability",
    modelCard: true,
    weight: 2,
    metrics: returnsMetrics,
    definition: {
      Comment: "Return probability: features -> train -> Parallel(evaluate, fairness, shadow) -> gate -> register",
      StartAt: "BuildFeatures",
      States: {
        BuildFeatures: {
          ...processing("features", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/returns-features:2.7.0", [
            "--window",
            "90d",
          ]),
          ResultPath: null,
          Next: "TrainModel",
        },
        TrainModel: {
          Type: "Task",
          Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
          Parameters: trainingParams({
            image: "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            instance: "ml.m5.4xlarge",
            metrics: returnsMetrics,
            hyper: { objective: "binary:logistic", num_round: "400", max_depth: "8", eta: "0.08", subsample: "0.8" },
            nameExpr:
              "States.Format('{}-train-{}{}', $$.Execution.Name, $$.Execution.RedriveCount, $$.State.RetryCount)",
          }),
          Retry: [capacityRetry],
          ResultPath: "$.training",
          Next: "Evaluate",
        },
        Evaluate: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "OfflineEvaluation",
              States: {
                OfflineEvaluation: {
                  ...processing("offline-eval", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/returns-eval:2.7.0", [
                    "--holdout",
                    "last-4-weeks",
                  ]),
                  ResultPath: null,
                  Next: "CollectMetrics",
                },
                CollectMetrics: {
                  ...lambdaTask(
                    "returns-collect-metrics",
                    { "TrainingJobName.$": "$.training.TrainingJobName" },
                    "$.metrics",
                  ),
                  OutputPath: "$.metrics.Payload",
                  End: true,
                },
              },
            },
            {
              StartAt: "FairnessAudit",
              States: {
                FairnessAudit: {
                  ...lambdaTask(
                    "returns-fairness-audit",
                    { "TrainingJobName.$": "$.training.TrainingJobName" },
                    "$.audit",
                  ),
                  OutputPath: "$.audit.Payload",
                  End: true,
                },
              },
            },
            {
              StartAt: "ShadowScoring",
              States: {
                ShadowScoring: {
                  Type: "Task",
                  Resource: "arn:aws:states:::sagemaker:createTransformJob.sync",
                  Parameters: {
                    "TransformJobName.$":
                      "States.Format('{}-shadow-{}{}', $$.Execution.Name, $$.Execution.RedriveCount, $$.State.RetryCount)",
                    "ModelName.$": "$.training.TrainingJobName",
                    TransformInput: {
                      DataSource: {
                        S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://stepwise-demo-ml/returns/shadow-orders/" },
                      },
                      ContentType: "text/csv",
                      SplitType: "Line",
                    },
                    TransformOutput: { S3OutputPath: "s3://stepwise-demo-ml/returns/shadow-scores/" },
                    TransformResources: { InstanceType: "ml.m5.2xlarge", InstanceCount: 2 },
                  },
                  ResultSelector: { "TransformJobName.$": "$.TransformJobName" },
                  End: true,
                },
              },
            },
          ],
          ResultSelector: { "metrics.$": "$[0]", "fairness.$": "$[1]", "shadow.$": "$[2]" },
          ResultPath: "$.evaluation",
          Next: "QualityGate",
        },
        QualityGate: {
          Type: "Choice",
          Choices: [
            {
              And: [
                { Variable: "$.evaluation.metrics.headline", NumericGreaterThanEquals: 0.4 },
                { Variable: "$.evaluation.fairness.passed", BooleanEquals: true },
              ],
              Next: "RegisterModel",
            },
          ],
          Default: "Rejected",
        },
        Rejected: { Type: "Pass", Result: { promoted: false }, ResultPath: "$.gate", Next: "Done" },
        RegisterModel: registerModel("return-probability", "$.evaluation.metrics.customerMetadata", { Next: "Done" }),
        Done: { Type: "Succeed" },
      },
    },
  },
  {
    name: "search-ranking-ltr",
    team: "search-relevance",
    description: "Learning-to-rank for catalogue search; scores every category shard with a Distributed Map",
    headlineMetric: "validation:ndcg_at_20",
    modelPackageGroup: "search-ranking",
    modelCard: false,
    weight: 1,
    metrics: rankingMetrics,
    definition: {
      Comment: "Search ranking: wait for click logs -> train -> distributed scoring -> register",
      StartAt: "WaitForClickLogs",
      States: {
        WaitForClickLogs: { Type: "Wait", Seconds: 300, Next: "TrainRanker" },
        TrainRanker: {
          Type: "Task",
          Resource: "arn:aws:states:::sagemaker:createTrainingJob.sync",
          Parameters: trainingParams({
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/search-ltr-train:0.9.4",
            instance: "ml.g5.4xlarge",
            metrics: rankingMetrics,
            hyper: { objective: "lambdarank", num_leaves: "255", learning_rate: "0.05", epochs: "20" },
            nameExpr:
              "States.Format('{}-train-{}{}', $$.Execution.Name, $$.Execution.RedriveCount, $$.State.RetryCount)",
          }),
          Retry: [capacityRetry],
          ResultPath: "$.training",
          Next: "ScoreCategories",
        },
        ScoreCategories: {
          Type: "Map",
          ItemsPath: "$.categories",
          MaxConcurrency: 4,
          Label: "ScoreCategories",
          ItemSelector: { "category.$": "$$.Map.Item.Value", "model.$": "$.training.TrainingJobName" },
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "ScoreShard",
            States: {
              ScoreShard: {
                ...lambdaTask("search-score-shard", { "category.$": "$.category", "model.$": "$.model" }, "$.scored"),
                End: true,
              },
            },
          },
          ToleratedFailurePercentage: 0,
          ResultPath: null,
          Next: "CollectMetrics",
        },
        CollectMetrics: {
          ...lambdaTask(
            "search-collect-metrics",
            { "TrainingJobName.$": "$.training.TrainingJobName" },
            "$.evaluation",
          ),
          Next: "RegisterModel",
        },
        RegisterModel: registerModel("search-ranking", "$.evaluation.Payload.customerMetadata", { End: true }),
      },
    },
  },
];
