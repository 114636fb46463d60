-- CreateEnum
CREATE TYPE "PipelineStatus" AS ENUM ('ACTIVE', 'DELETING', 'DELETED');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'CAUGHT', 'ABORTED', 'TIMED_OUT', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobKind" AS ENUM ('TRAINING', 'PROCESSING', 'TRANSFORM', 'TUNING');

-- CreateEnum
CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING_MANUAL_APPROVAL', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "CardStatus" AS ENUM ('DRAFT', 'PENDING_REVIEW', 'APPROVED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "TeamRole" AS ENUM ('MEMBER', 'REVIEWER');

-- CreateTable
CREATE TABLE "aws_source" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "role_arn" TEXT,
    "external_id" TEXT,
    "endpoint" TEXT,
    "filter_tag" TEXT,
    "name_prefix" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMP(3),
    "cursors" JSONB NOT NULL DEFAULT '{}',
    "last_sync_at" TIMESTAMP(3),
    "last_success_at" TIMESTAMP(3),
    "last_error" TEXT,
    "last_error_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "aws_source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pipeline" (
    "id" SERIAL NOT NULL,
    "source_id" INTEGER NOT NULL,
    "state_machine_arn" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'STANDARD',
    "status" "PipelineStatus" NOT NULL DEFAULT 'ACTIVE',
    "description" TEXT,
    "team_id" INTEGER,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "definition" JSONB NOT NULL,
    "revision_id" INTEGER,
    "headline_metric" TEXT,
    "aws_created_at" TIMESTAMP(3),
    "last_run_at" TIMESTAMP(3),
    "next_poll_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pipeline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pipeline_revision" (
    "id" SERIAL NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "aws_revision_id" TEXT,
    "definition_hash" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run" (
    "id" SERIAL NOT NULL,
    "public_id" TEXT NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "revision_id" INTEGER,
    "execution_arn" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "stopped_at" TIMESTAMP(3),
    "input" TEXT,
    "output" TEXT,
    "error" TEXT,
    "cause" TEXT,
    "redrive_count" INTEGER NOT NULL DEFAULT 0,
    "redrive_date" TIMESTAMP(3),
    "redrive_status" TEXT,
    "last_event_id" INTEGER NOT NULL DEFAULT 0,
    "history_complete" BOOLEAN NOT NULL DEFAULT false,
    "step_count" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "synced_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "history_event" (
    "run_id" INTEGER NOT NULL,
    "event_id" INTEGER NOT NULL,
    "previous_event_id" INTEGER,
    "type" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "details" JSONB,

    CONSTRAINT "history_event_pkey" PRIMARY KEY ("run_id", "event_id")
);

-- CreateTable
CREATE TABLE "step" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "parent_key" TEXT,
    "state_name" TEXT NOT NULL,
    "state_type" TEXT NOT NULL,
    "status" "StepStatus" NOT NULL,
    "entered_at" TIMESTAMP(3) NOT NULL,
    "exited_at" TIMESTAMP(3),
    "entered_event_id" INTEGER NOT NULL,
    "exited_event_id" INTEGER,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "map_iteration_index" INTEGER,
    "parallel_branch_index" INTEGER,
    "depth" INTEGER NOT NULL DEFAULT 0,
    "resource" TEXT,
    "resource_type" TEXT,
    "input" TEXT,
    "output" TEXT,
    "error" TEXT,
    "cause" TEXT,
    "job_name" TEXT,
    "job_arn" TEXT,

    CONSTRAINT "step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sagemaker_job" (
    "id" SERIAL NOT NULL,
    "source_id" INTEGER NOT NULL,
    "kind" "JobKind" NOT NULL,
    "name" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "run_id" INTEGER,
    "step_id" INTEGER,
    "status" TEXT NOT NULL,
    "secondary_status" TEXT,
    "status_transitions" JSONB NOT NULL DEFAULT '[]',
    "failure_reason" TEXT,
    "hyper_parameters" JSONB NOT NULL DEFAULT '{}',
    "algorithm_image" TEXT,
    "objective_metric" TEXT,
    "instance_type" TEXT,
    "instance_count" INTEGER,
    "volume_size_gb" INTEGER,
    "inputs" JSONB NOT NULL DEFAULT '[]',
    "outputs" JSONB NOT NULL DEFAULT '{}',
    "artifact_uri" TEXT,
    "billable_seconds" INTEGER,
    "job_created_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "next_poll_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "synced_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sagemaker_job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_metric" (
    "id" SERIAL NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "job_id" INTEGER,
    "scope" TEXT NOT NULL DEFAULT 'run',
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "run_started_at" TIMESTAMP(3) NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_metric_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_point" (
    "job_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "metric_point_pkey" PRIMARY KEY ("job_id", "name", "step")
);

-- CreateTable
CREATE TABLE "model_group" (
    "id" SERIAL NOT NULL,
    "source_id" INTEGER,
    "name" TEXT NOT NULL,
    "arn" TEXT,
    "description" TEXT,
    "pipeline_id" INTEGER,
    "team_id" INTEGER,
    "aws_created_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_version" (
    "id" SERIAL NOT NULL,
    "model_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "arn" TEXT,
    "approval_status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING_MANUAL_APPROVAL',
    "package_status" TEXT,
    "description" TEXT,
    "run_id" INTEGER,
    "job_id" INTEGER,
    "artifact_uri" TEXT,
    "image" TEXT,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "aws_created_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_card" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "status" "CardStatus" NOT NULL DEFAULT 'DRAFT',
    "imported_from" TEXT,
    "latest_revision" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_card_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_card_revision" (
    "id" SERIAL NOT NULL,
    "card_id" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "status" "CardStatus" NOT NULL,
    "content" JSONB NOT NULL,
    "author_id" TEXT,
    "note" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_card_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "email_verified" TIMESTAMP(3),
    "image" TEXT,
    "is_admin" BOOLEAN NOT NULL DEFAULT false,
    "last_login_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_account_id" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL,
    "session_token" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,
    "absolute_expires_at" TIMESTAMP(3),
    "ip" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_token" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "verification_token_pkey" PRIMARY KEY ("identifier", "token")
);

-- CreateTable
CREATE TABLE "team" (
    "id" SERIAL NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "membership" (
    "user_id" TEXT NOT NULL,
    "team_id" INTEGER NOT NULL,
    "role" "TeamRole" NOT NULL DEFAULT 'MEMBER',
    "origin" TEXT NOT NULL DEFAULT 'idp',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "membership_pkey" PRIMARY KEY ("user_id", "team_id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "can_write" BOOLEAN NOT NULL DEFAULT false,
    "expires_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" TEXT,
    "actor_email" TEXT,
    "via" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "outcome" TEXT NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingested_event" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "detail_type" TEXT NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingested_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "live_event" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "live_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "aws_source_key_key" ON "aws_source"("key");

-- CreateIndex
CREATE UNIQUE INDEX "pipeline_state_machine_arn_key" ON "pipeline"("state_machine_arn");

-- CreateIndex
CREATE INDEX "pipeline_source_id_idx" ON "pipeline"("source_id");

-- CreateIndex
CREATE INDEX "pipeline_team_id_idx" ON "pipeline"("team_id");

-- CreateIndex
CREATE INDEX "pipeline_last_run_at_idx" ON "pipeline"("last_run_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "pipeline_revision_pipeline_id_definition_hash_key" ON "pipeline_revision"("pipeline_id", "definition_hash");

-- CreateIndex
CREATE UNIQUE INDEX "run_public_id_key" ON "run"("public_id");

-- CreateIndex
CREATE UNIQUE INDEX "run_execution_arn_key" ON "run"("execution_arn");

-- CreateIndex
CREATE INDEX "run_pipeline_id_started_at_id_idx" ON "run"("pipeline_id", "started_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "run_pipeline_id_status_started_at_idx" ON "run"("pipeline_id", "status", "started_at" DESC);

-- CreateIndex
CREATE INDEX "run_status_history_complete_idx" ON "run"("status", "history_complete");

-- CreateIndex
CREATE INDEX "run_started_at_idx" ON "run"("started_at" DESC);

-- CreateIndex
CREATE INDEX "step_run_id_entered_event_id_idx" ON "step"("run_id", "entered_event_id");

-- CreateIndex
CREATE INDEX "step_job_name_idx" ON "step"("job_name");

-- CreateIndex
CREATE UNIQUE INDEX "step_run_id_key_key" ON "step"("run_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "sagemaker_job_arn_key" ON "sagemaker_job"("arn");

-- CreateIndex
CREATE INDEX "sagemaker_job_run_id_idx" ON "sagemaker_job"("run_id");

-- CreateIndex
CREATE INDEX "sagemaker_job_step_id_idx" ON "sagemaker_job"("step_id");

-- CreateIndex
CREATE INDEX "sagemaker_job_status_idx" ON "sagemaker_job"("status");

-- CreateIndex
CREATE INDEX "run_metric_pipeline_id_name_run_started_at_idx" ON "run_metric"("pipeline_id", "name", "run_started_at");

-- CreateIndex
CREATE INDEX "run_metric_job_id_idx" ON "run_metric"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "run_metric_run_id_scope_name_key" ON "run_metric"("run_id", "scope", "name");

-- CreateIndex
CREATE UNIQUE INDEX "model_group_arn_key" ON "model_group"("arn");

-- CreateIndex
CREATE INDEX "model_group_pipeline_id_idx" ON "model_group"("pipeline_id");

-- CreateIndex
CREATE INDEX "model_group_team_id_idx" ON "model_group"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "model_group_source_id_name_key" ON "model_group"("source_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "model_version_arn_key" ON "model_version"("arn");

-- CreateIndex
CREATE INDEX "model_version_run_id_idx" ON "model_version"("run_id");

-- CreateIndex
CREATE UNIQUE INDEX "model_version_model_id_version_key" ON "model_version"("model_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "model_card_model_version_id_key" ON "model_card"("model_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "model_card_revision_card_id_revision_key" ON "model_card_revision"("card_id", "revision");

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");

-- CreateIndex
CREATE INDEX "account_user_id_idx" ON "account"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_provider_provider_account_id_key" ON "account"("provider", "provider_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "session_session_token_key" ON "session"("session_token");

-- CreateIndex
CREATE INDEX "session_user_id_idx" ON "session"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "verification_token_token_key" ON "verification_token"("token");

-- CreateIndex
CREATE UNIQUE INDEX "team_slug_key" ON "team"("slug");

-- CreateIndex
CREATE INDEX "membership_team_id_idx" ON "membership"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "api_token_user_id_idx" ON "api_token"("user_id");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_log_actor_id_at_idx" ON "audit_log"("actor_id", "at" DESC);

-- CreateIndex
CREATE INDEX "ingested_event_received_at_idx" ON "ingested_event"("received_at");

-- CreateIndex
CREATE INDEX "live_event_created_at_idx" ON "live_event"("created_at");

-- AddForeignKey
ALTER TABLE "pipeline" ADD CONSTRAINT "pipeline_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "aws_source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pipeline" ADD CONSTRAINT "pipeline_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pipeline" ADD CONSTRAINT "pipeline_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "pipeline_revision"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pipeline_revision" ADD CONSTRAINT "pipeline_revision_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run" ADD CONSTRAINT "run_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run" ADD CONSTRAINT "run_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "pipeline_revision"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "history_event" ADD CONSTRAINT "history_event_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "step" ADD CONSTRAINT "step_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sagemaker_job" ADD CONSTRAINT "sagemaker_job_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "aws_source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sagemaker_job" ADD CONSTRAINT "sagemaker_job_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sagemaker_job" ADD CONSTRAINT "sagemaker_job_step_id_fkey" FOREIGN KEY ("step_id") REFERENCES "step"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_metric" ADD CONSTRAINT "run_metric_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_metric" ADD CONSTRAINT "run_metric_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_metric" ADD CONSTRAINT "run_metric_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "sagemaker_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "metric_point" ADD CONSTRAINT "metric_point_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "sagemaker_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_group" ADD CONSTRAINT "model_group_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "aws_source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_group" ADD CONSTRAINT "model_group_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_group" ADD CONSTRAINT "model_group_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_version" ADD CONSTRAINT "model_version_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_version" ADD CONSTRAINT "model_version_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_version" ADD CONSTRAINT "model_version_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "sagemaker_job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_card" ADD CONSTRAINT "model_card_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_version"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_card_revision" ADD CONSTRAINT "model_card_revision_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "model_card"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_card_revision" ADD CONSTRAINT "model_card_revision_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account" ADD CONSTRAINT "account_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session" ADD CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
