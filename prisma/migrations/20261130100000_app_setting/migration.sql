-- Settings admins change at runtime, each change audited (lib/admin/settings.ts), e.g. whether the
-- author of a model card's latest content may also approve it (four eyes, issue #14).
CREATE TABLE "app_setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_setting_pkey" PRIMARY KEY ("key")
);
