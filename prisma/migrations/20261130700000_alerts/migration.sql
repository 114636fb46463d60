-- Alerts (issue 18): rules, channels (targets and secrets encrypted by the app), one alert per (rule, subject),
-- a delivery per (alert, channel) with its idempotency key — the outbox graphile-worker delivers from —, the
-- in-app inbox and pipeline watches.
CREATE TABLE "alert_rule" (
    "id" SERIAL NOT NULL,
    "team_id" INTEGER,
    "pipeline_id" INTEGER,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "in_app" BOOLEAN NOT NULL DEFAULT true,
    "quiet_start" INTEGER,
    "quiet_end" INTEGER,
    "muted_until" TIMESTAMP(3),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_rule_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_rule_team_id_idx" ON "alert_rule"("team_id");
CREATE INDEX "alert_rule_pipeline_id_idx" ON "alert_rule"("pipeline_id");

CREATE TABLE "alert_channel" (
    "id" SERIAL NOT NULL,
    "team_id" INTEGER,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "target_ciphertext" TEXT NOT NULL,
    "secret_ciphertext" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_channel_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_channel_team_id_idx" ON "alert_channel"("team_id");

CREATE TABLE "alert_rule_channel" (
    "rule_id" INTEGER NOT NULL,
    "channel_id" INTEGER NOT NULL,

    CONSTRAINT "alert_rule_channel_pkey" PRIMARY KEY ("rule_id","channel_id")
);
CREATE INDEX "alert_rule_channel_channel_id_idx" ON "alert_rule_channel"("channel_id");

CREATE TABLE "alert" (
    "id" SERIAL NOT NULL,
    "rule_id" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "pipeline_id" INTEGER,
    "run_id" INTEGER,
    "title" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_rule_id_subject_key" ON "alert"("rule_id", "subject");
CREATE INDEX "alert_pipeline_id_created_at_idx" ON "alert"("pipeline_id", "created_at" DESC);

CREATE TABLE "alert_delivery" (
    "id" SERIAL NOT NULL,
    "alert_id" INTEGER NOT NULL,
    "channel_id" INTEGER NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_response" TEXT,
    "last_error" TEXT,
    "sent_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_delivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_delivery_idempotency_key_key" ON "alert_delivery"("idempotency_key");
CREATE UNIQUE INDEX "alert_delivery_alert_id_channel_id_key" ON "alert_delivery"("alert_id", "channel_id");
CREATE INDEX "alert_delivery_channel_id_created_at_idx" ON "alert_delivery"("channel_id", "created_at" DESC);

CREATE TABLE "inbox_item" (
    "id" SERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "alert_id" INTEGER NOT NULL,
    "read_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_item_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "inbox_item_user_id_alert_id_key" ON "inbox_item"("user_id", "alert_id");
CREATE INDEX "inbox_item_user_id_created_at_idx" ON "inbox_item"("user_id", "created_at" DESC);
CREATE INDEX "inbox_item_alert_id_idx" ON "inbox_item"("alert_id");

CREATE TABLE "pipeline_watch" (
    "user_id" TEXT NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_watch_pkey" PRIMARY KEY ("user_id","pipeline_id")
);
CREATE INDEX "pipeline_watch_pipeline_id_idx" ON "pipeline_watch"("pipeline_id");

ALTER TABLE "alert_rule" ADD CONSTRAINT "alert_rule_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule" ADD CONSTRAINT "alert_rule_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_channel" ADD CONSTRAINT "alert_channel_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule_channel" ADD CONSTRAINT "alert_rule_channel_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule_channel" ADD CONSTRAINT "alert_rule_channel_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert" ADD CONSTRAINT "alert_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_delivery" ADD CONSTRAINT "alert_delivery_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_delivery" ADD CONSTRAINT "alert_delivery_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "inbox_item" ADD CONSTRAINT "inbox_item_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "inbox_item" ADD CONSTRAINT "inbox_item_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "pipeline_watch" ADD CONSTRAINT "pipeline_watch_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "pipeline_watch" ADD CONSTRAINT "pipeline_watch_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
