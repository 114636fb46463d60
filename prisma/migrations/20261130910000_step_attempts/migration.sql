-- Every attempt of a retried step (issue #19): the timeline draws each attempt as its own segment with the
-- backoff gap, and the step panel lists them with their errors. NULL for a step that ran once (nearly all of
-- them), so the step list stays as compact as before.
ALTER TABLE "step" ADD COLUMN "attempt_log" JSONB;
