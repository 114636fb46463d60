-- Metric-evolution series in constant time per pixel (issue #17).
--
-- 1. run.run_number: a per-pipeline number assigned when a run is first stored (trigger run_number), so the
--    graph's "x = run number" no longer numbers every run of the pipeline on each request.
-- 2. run_metric.run_number / prev_value / base_value / base_n: the run's number and, for scope 'run', the
--    previous value and the trailing baseline (mean of the previous <= 10 values, start order), kept by the
--    triggers below for the rows a write touches and the 10 rows after them.
-- 3. metric_rollup: for each (pipeline, metric, axis) a tree of blocks (level l = 4^l runs on axis 0, 4^l
--    minutes on axis 1; level 0 is run_metric itself) holding count, min row, max row and the largest
--    deviations from the baseline. A block is recomputed from its 4 children, so a write costs O(levels) and
--    a read O(pixels). Failed runs are the series with metric ''.
-- Everything is maintained by triggers in the transaction of the write, whoever writes (sync, tests, seeds);
-- stepwise_rollup_rebuild(pipeline) recomputes it all from scratch (used below, by bulk loaders, and by the
-- tests as the reference the incremental path must equal).

-- ───────────────────────────── run numbers ─────────────────────────────

ALTER TABLE "run" ADD COLUMN "run_number" INTEGER;

UPDATE "run" r SET "run_number" = n.n
  FROM (SELECT id, row_number() OVER (PARTITION BY pipeline_id ORDER BY started_at, id)::int AS n FROM "run") n
 WHERE n.id = r.id;

CREATE UNIQUE INDEX "run_pipeline_id_run_number_key" ON "run"("pipeline_id", "run_number");
CREATE INDEX "run_revision_id_started_at_id_idx" ON "run"("revision_id", "started_at", "id");

-- The next number of the pipeline, under a per-pipeline transaction lock so two transactions storing new runs
-- of one pipeline never take the same number. An upsert of a run that is already stored fires BEFORE INSERT
-- too: it is recognised by its ARN and left alone (ON CONFLICT DO UPDATE never changes the number).
CREATE FUNCTION stepwise_run_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.run_number IS NOT NULL THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM run WHERE execution_arn = NEW.execution_arn) THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('stepwise:run_number', NEW.pipeline_id));
  SELECT coalesce(max(run_number), 0) + 1 INTO NEW.run_number FROM run WHERE pipeline_id = NEW.pipeline_id;
  RETURN NEW;
END $$;

CREATE TRIGGER run_number BEFORE INSERT ON "run" FOR EACH ROW EXECUTE FUNCTION stepwise_run_number();

-- ───────────────────────────── run_metric: number, previous value, baseline ─────────────────────────────

ALTER TABLE "run_metric" ADD COLUMN "run_number" INTEGER,
  ADD COLUMN "prev_value" DOUBLE PRECISION,
  ADD COLUMN "base_value" DOUBLE PRECISION,
  ADD COLUMN "base_n" INTEGER NOT NULL DEFAULT 0;

UPDATE "run_metric" m SET "run_number" = r.run_number FROM "run" r WHERE r.id = m.run_id;

CREATE INDEX "run_metric_pipeline_id_name_run_number_idx" ON "run_metric"("pipeline_id", "name", "run_number")
  WHERE scope = 'run';

CREATE FUNCTION stepwise_run_metric_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.run_id IS DISTINCT FROM OLD.run_id THEN
    SELECT run_number INTO NEW.run_number FROM run WHERE id = NEW.run_id;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER run_metric_number BEFORE INSERT OR UPDATE OF run_id ON "run_metric"
  FOR EACH ROW EXECUTE FUNCTION stepwise_run_metric_number();

-- ───────────────────────────── rollup table ─────────────────────────────

CREATE TABLE "metric_rollup" (
    "pipeline_id" INTEGER NOT NULL,
    "metric" TEXT NOT NULL,
    "axis" INTEGER NOT NULL,
    "level" INTEGER NOT NULL,
    "block" BIGINT NOT NULL,
    "n" INTEGER NOT NULL,
    "lo" DOUBLE PRECISION[] NOT NULL,
    "hi" DOUBLE PRECISION[] NOT NULL,
    "dpos" DOUBLE PRECISION[] NOT NULL,
    "dneg" DOUBLE PRECISION[] NOT NULL,

    CONSTRAINT "metric_rollup_pkey" PRIMARY KEY ("pipeline_id", "metric", "axis", "level", "block")
);

ALTER TABLE "metric_rollup" ADD CONSTRAINT "metric_rollup_pipeline_id_fkey" FOREIGN KEY ("pipeline_id")
  REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Shapes shared by the incremental and the rebuild paths (and the reads), so both compute the same numbers.
-- x on axis 1: epoch milliseconds of the run's start (timestamp(3) holding UTC).
CREATE FUNCTION stepwise_epoch_ms(ts timestamp) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT round(date_part('epoch', ts) * 1000) $$;
-- Relative deviation below the baseline (positive = lower than the baseline); null without a usable baseline.
CREATE FUNCTION stepwise_metric_dev(v double precision, base double precision, base_n integer)
  RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT CASE WHEN base_n >= 3 AND base <> 0 THEN (base - v) / abs(base) END $$;
-- Number of levels per axis: 4^10 runs; 4^12 minutes (32 years).
CREATE FUNCTION stepwise_rollup_levels(axis integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  $$ SELECT CASE WHEN axis = 0 THEN 10 ELSE 12 END $$;

-- Level-1 block of an x value: 4 runs, or 4 minutes (240,000 ms).
CREATE FUNCTION stepwise_rollup_block1(axis integer, x double precision) RETURNS bigint LANGUAGE sql IMMUTABLE
  PARALLEL SAFE AS $$ SELECT floor(x / CASE WHEN axis = 0 THEN 4 ELSE 240000 END)::bigint $$;

-- Recomputes the given level-1 blocks of one series from the raw rows, then their ancestors from their
-- children. A block left without rows is deleted.
CREATE FUNCTION stepwise_rollup_refresh(p_pipeline integer, p_metric text, p_axis integer, p_blocks bigint[])
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  blocks bigint[] := ARRAY(SELECT DISTINCT b FROM unnest(p_blocks) b WHERE b IS NOT NULL);
  lvl integer;
BEGIN
  IF cardinality(blocks) = 0 THEN
    RETURN;
  END IF;
  DELETE FROM metric_rollup
   WHERE pipeline_id = p_pipeline AND metric = p_metric AND axis = p_axis AND level = 1 AND block = ANY(blocks);
  IF p_metric = '' THEN
    INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
    SELECT p_pipeline, '', p_axis, 1, f.block, count(*), min(ARRAY[f.x, f.id]), '{}', '{}', '{}'
      FROM (SELECT r.id, b.b AS block,
                   CASE WHEN p_axis = 0 THEN r.run_number::float8 ELSE stepwise_epoch_ms(r.started_at) END AS x
              FROM unnest(blocks) b(b)
              JOIN run r ON r.pipeline_id = p_pipeline AND r.status IN ('FAILED', 'TIMED_OUT', 'ABORTED')
               AND CASE WHEN p_axis = 0
                        THEN r.run_number BETWEEN b.b * 4 AND b.b * 4 + 3
                        ELSE r.started_at >= timestamp 'epoch' + make_interval(secs => b.b * 240)
                         AND r.started_at < timestamp 'epoch' + make_interval(secs => b.b * 240 + 240) END) f
     GROUP BY f.block;
  ELSE
    INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
    SELECT p_pipeline, p_metric, p_axis, 1, q.block, count(*),
           min(ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value]),
           max(ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value]),
           coalesce(max(CASE WHEN q.dev IS NOT NULL THEN ARRAY[q.dev, q.x, q.run_id, q.value, q.base_value] END), '{}'),
           coalesce(max(CASE WHEN q.dev IS NOT NULL THEN ARRAY[-q.dev, q.x, q.run_id, q.value, q.base_value] END), '{}')
      FROM (SELECT m.value, m.run_id, m.prev_value, m.base_value, b.b AS block,
                   stepwise_metric_dev(m.value, m.base_value, m.base_n) AS dev,
                   CASE WHEN p_axis = 0 THEN m.run_number::float8 ELSE stepwise_epoch_ms(m.run_started_at) END AS x
              FROM unnest(blocks) b(b)
              JOIN run_metric m ON m.pipeline_id = p_pipeline AND m.name = p_metric AND m.scope = 'run'
               AND CASE WHEN p_axis = 0
                        THEN m.run_number BETWEEN b.b * 4 AND b.b * 4 + 3
                        ELSE m.run_started_at >= timestamp 'epoch' + make_interval(secs => b.b * 240)
                         AND m.run_started_at < timestamp 'epoch' + make_interval(secs => b.b * 240 + 240) END) q
     GROUP BY q.block;
  END IF;
  FOR lvl IN 2 .. stepwise_rollup_levels(p_axis) LOOP
    blocks := ARRAY(SELECT DISTINCT b >> 2 FROM unnest(blocks) b);
    DELETE FROM metric_rollup
     WHERE pipeline_id = p_pipeline AND metric = p_metric AND axis = p_axis AND level = lvl AND block = ANY(blocks);
    INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
    SELECT p_pipeline, p_metric, p_axis, lvl, c.block >> 2, sum(c.n), min(c.lo), max(c.hi), max(c.dpos), max(c.dneg)
      FROM unnest(blocks) b(b)
      JOIN metric_rollup c ON c.pipeline_id = p_pipeline AND c.metric = p_metric AND c.axis = p_axis
       AND c.level = lvl - 1 AND c.block BETWEEN b.b * 4 AND b.b * 4 + 3
     GROUP BY c.block >> 2;
  END LOOP;
END $$;

-- Everything of one pipeline (all pipelines when null, one after the other) from scratch — or only its series
-- p_metric ('' = failed runs) — : derived columns, then every level.
CREATE FUNCTION stepwise_rollup_rebuild(p_pipeline integer, p_metric text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  ax integer;
  lvl integer;
  p integer;
BEGIN
  IF p_pipeline IS NULL THEN
    FOR p IN SELECT id FROM pipeline ORDER BY id LOOP
      PERFORM stepwise_rollup_rebuild(p, p_metric);
    END LOOP;
    RETURN;
  END IF;
  PERFORM set_config('stepwise.rollup_busy', 'on', true);
  UPDATE run_metric u SET prev_value = w.prev, base_value = w.base, base_n = w.n
    FROM (SELECT id, lag(value) OVER o AS prev,
                 avg(value) OVER (o ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS base,
                 count(value) OVER (o ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING)::int AS n
            FROM run_metric
           WHERE scope = 'run' AND pipeline_id = p_pipeline AND (p_metric IS NULL OR name = p_metric)
          WINDOW o AS (PARTITION BY pipeline_id, name ORDER BY run_started_at, run_id)) w
   WHERE u.id = w.id AND (u.prev_value, u.base_value, u.base_n) IS DISTINCT FROM (w.prev, w.base, w.n);
  PERFORM set_config('stepwise.rollup_busy', 'off', true);

  DELETE FROM metric_rollup WHERE pipeline_id = p_pipeline AND (p_metric IS NULL OR metric = p_metric);
  FOR ax IN 0 .. 1 LOOP
    INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
    SELECT q.pipeline_id, q.name, ax, 1, stepwise_rollup_block1(ax, q.x), count(*),
           min(ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value]),
           max(ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value]),
           coalesce(max(CASE WHEN q.dev IS NOT NULL THEN ARRAY[q.dev, q.x, q.run_id, q.value, q.base_value] END), '{}'),
           coalesce(max(CASE WHEN q.dev IS NOT NULL THEN ARRAY[-q.dev, q.x, q.run_id, q.value, q.base_value] END), '{}')
      FROM (SELECT m.pipeline_id, m.name, m.value, m.run_id, m.prev_value, m.base_value,
                   stepwise_metric_dev(m.value, m.base_value, m.base_n) AS dev,
                   CASE WHEN ax = 0 THEN m.run_number::float8 ELSE stepwise_epoch_ms(m.run_started_at) END AS x
              FROM run_metric m
             WHERE m.scope = 'run' AND m.pipeline_id = p_pipeline AND (p_metric IS NULL OR m.name = p_metric)
               AND (ax = 1 OR m.run_number IS NOT NULL)) q
     GROUP BY q.pipeline_id, q.name, stepwise_rollup_block1(ax, q.x);
    INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
    SELECT f.pipeline_id, '', ax, 1, stepwise_rollup_block1(ax, f.x), count(*), min(ARRAY[f.x, f.id]), '{}', '{}', '{}'
      FROM (SELECT r.pipeline_id, r.id,
                   CASE WHEN ax = 0 THEN r.run_number::float8 ELSE stepwise_epoch_ms(r.started_at) END AS x
              FROM run r
             WHERE r.status IN ('FAILED', 'TIMED_OUT', 'ABORTED') AND r.pipeline_id = p_pipeline
               AND (p_metric IS NULL OR p_metric = '') AND (ax = 1 OR r.run_number IS NOT NULL)) f
     GROUP BY f.pipeline_id, stepwise_rollup_block1(ax, f.x);
    FOR lvl IN 2 .. stepwise_rollup_levels(ax) LOOP
      INSERT INTO metric_rollup (pipeline_id, metric, axis, level, block, n, lo, hi, dpos, dneg)
      SELECT c.pipeline_id, c.metric, ax, lvl, c.block >> 2, sum(c.n), min(c.lo), max(c.hi), max(c.dpos), max(c.dneg)
        FROM metric_rollup c
       WHERE c.pipeline_id = p_pipeline AND (p_metric IS NULL OR c.metric = p_metric) AND c.axis = ax
         AND c.level = lvl - 1
       GROUP BY c.pipeline_id, c.metric, c.block >> 2;
    END LOOP;
  END LOOP;
END $$;

-- Rows of one series at or after the given positions (start, run id): each position's own row and the 10 after
-- it get their previous value and baseline recomputed; then every block holding a changed row, or a position
-- (old or new place of a written row), is refreshed on both axes.
CREATE FUNCTION stepwise_metric_touch(p_pipeline integer, p_metric text, p_at timestamp[], p_run integer[],
                                      p_number integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  changed_at timestamp[];
  changed_number integer[];
BEGIN
  PERFORM set_config('stepwise.rollup_busy', 'on', true);
  WITH pos AS (SELECT DISTINCT a.at, a.run_id FROM unnest(p_at, p_run) AS a(at, run_id)),
  targets AS (
    SELECT DISTINCT t.id
      FROM pos CROSS JOIN LATERAL (
        SELECT m.id FROM run_metric m
         WHERE m.pipeline_id = p_pipeline AND m.name = p_metric AND m.scope = 'run'
           AND (m.run_started_at, m.run_id) >= (pos.at, pos.run_id)
         ORDER BY m.run_started_at, m.run_id
         LIMIT 11) t
  ),
  calc AS (
    SELECT m.id, w.prev, w.base, w.n
      FROM targets t JOIN run_metric m ON m.id = t.id
     CROSS JOIN LATERAL (
       SELECT (array_agg(q.value ORDER BY q.run_started_at DESC, q.run_id DESC))[1] AS prev,
              avg(q.value ORDER BY q.run_started_at, q.run_id) AS base, count(q.value)::int AS n
         FROM (SELECT x.value, x.run_started_at, x.run_id FROM run_metric x
                WHERE x.pipeline_id = p_pipeline AND x.name = p_metric AND x.scope = 'run'
                  AND (x.run_started_at, x.run_id) < (m.run_started_at, m.run_id)
                ORDER BY x.run_started_at DESC, x.run_id DESC
                LIMIT 10) q) w
  ),
  upd AS (
    UPDATE run_metric u SET prev_value = c.prev, base_value = c.base, base_n = c.n
      FROM calc c
     WHERE u.id = c.id AND (u.prev_value, u.base_value, u.base_n) IS DISTINCT FROM (c.prev, c.base, c.n)
    RETURNING u.run_started_at, u.run_number
  )
  SELECT array_agg(run_started_at), array_agg(run_number) INTO changed_at, changed_number FROM upd;
  PERFORM set_config('stepwise.rollup_busy', 'off', true);

  PERFORM stepwise_rollup_refresh(p_pipeline, p_metric, 0,
    ARRAY(SELECT stepwise_rollup_block1(0, n) FROM unnest(p_number || coalesce(changed_number, '{}')) n));
  PERFORM stepwise_rollup_refresh(p_pipeline, p_metric, 1,
    ARRAY(SELECT stepwise_rollup_block1(1, stepwise_epoch_ms(t)) FROM unnest(p_at || coalesce(changed_at, '{}')) t));
END $$;

-- Statement triggers on run_metric: the written rows of scope 'run' (old and new images), per series.
-- A bulk write (over 2,000 rows of one series) rebuilds its pipeline instead. One transaction lock per pipeline
-- serialises writers of the same series, so each one reads what the one before it committed.
CREATE FUNCTION stepwise_metric_written(p_pipeline integer[], p_name text[], p_at timestamp[], p_run integer[],
                                        p_number integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT d.pipeline_id, d.name, array_agg(d.at) AS at, array_agg(d.run_id) AS runs,
           array_agg(d.run_number) AS numbers, count(*) AS n
      FROM unnest(p_pipeline, p_name, p_at, p_run, p_number) AS d(pipeline_id, name, at, run_id, run_number)
     GROUP BY d.pipeline_id, d.name
     ORDER BY d.pipeline_id, d.name
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('stepwise:rollup', s.pipeline_id));
    IF s.n > 2000 THEN
      PERFORM stepwise_rollup_rebuild(s.pipeline_id, s.name);
    ELSE
      PERFORM stepwise_metric_touch(s.pipeline_id, s.name, s.at, s.runs, s.numbers);
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION stepwise_run_metric_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('stepwise.rollup_busy', true) IS DISTINCT FROM 'on' THEN
    PERFORM stepwise_metric_written(array_agg(pipeline_id), array_agg(name), array_agg(run_started_at),
                                    array_agg(run_id), array_agg(run_number))
       FROM new_rows WHERE scope = 'run' HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION stepwise_run_metric_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('stepwise.rollup_busy', true) IS DISTINCT FROM 'on' THEN
    PERFORM stepwise_metric_written(array_agg(pipeline_id), array_agg(name), array_agg(run_started_at),
                                    array_agg(run_id), array_agg(run_number))
       FROM old_rows WHERE scope = 'run' HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;

-- An update matters when it moves a row or changes its value: both the old and the new place are touched.
CREATE FUNCTION stepwise_run_metric_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('stepwise.rollup_busy', true) IS DISTINCT FROM 'on' THEN
    PERFORM stepwise_metric_written(array_agg(d.pipeline_id), array_agg(d.name), array_agg(d.run_started_at),
                                    array_agg(d.run_id), array_agg(d.run_number))
       FROM (SELECT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id
               CROSS JOIN LATERAL (VALUES (o.pipeline_id, o.name, o.scope, o.run_started_at, o.run_id, o.run_number),
                                          (n.pipeline_id, n.name, n.scope, n.run_started_at, n.run_id, n.run_number))
                 AS x(pipeline_id, name, scope, run_started_at, run_id, run_number)
              WHERE (o.pipeline_id, o.name, o.scope, o.value, o.run_started_at, o.run_id, o.run_number)
                    IS DISTINCT FROM (n.pipeline_id, n.name, n.scope, n.value, n.run_started_at, n.run_id, n.run_number)
            ) d
      WHERE d.scope = 'run' HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER run_metric_rollup_insert AFTER INSERT ON "run_metric" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_metric_inserted();
CREATE TRIGGER run_metric_rollup_delete AFTER DELETE ON "run_metric" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_metric_deleted();
CREATE TRIGGER run_metric_rollup_update AFTER UPDATE ON "run_metric" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_metric_updated();

-- Failed runs (the series ''): statement triggers on run. Only rows that are or were failed and whose status,
-- start, number or pipeline changed matter; the sync's frequent updates of other columns cost one empty scan of
-- the transition tables.
CREATE FUNCTION stepwise_failed_written(p_pipeline integer[], p_number integer[], p_at timestamp[]) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT d.pipeline_id, array_agg(d.run_number) AS numbers, array_agg(d.at) AS at, count(*) AS n
      FROM unnest(p_pipeline, p_number, p_at) AS d(pipeline_id, run_number, at)
     GROUP BY d.pipeline_id ORDER BY d.pipeline_id
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('stepwise:rollup', s.pipeline_id));
    IF s.n > 2000 THEN
      PERFORM stepwise_rollup_rebuild(s.pipeline_id, '');
    ELSE
      PERFORM stepwise_rollup_refresh(s.pipeline_id, '', 0, ARRAY(SELECT stepwise_rollup_block1(0, n) FROM unnest(s.numbers) n));
      PERFORM stepwise_rollup_refresh(s.pipeline_id, '', 1,
        ARRAY(SELECT stepwise_rollup_block1(1, stepwise_epoch_ms(t)) FROM unnest(s.at) t));
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION stepwise_run_failed_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stepwise_failed_written(array_agg(pipeline_id), array_agg(run_number), array_agg(started_at))
     FROM new_rows WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION stepwise_run_failed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stepwise_failed_written(array_agg(pipeline_id), array_agg(run_number), array_agg(started_at))
     FROM old_rows WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION stepwise_run_failed_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stepwise_failed_written(array_agg(d.pipeline_id), array_agg(d.run_number), array_agg(d.started_at))
     FROM (SELECT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.pipeline_id, o.run_number, o.started_at),
                                        (n.pipeline_id, n.run_number, n.started_at)) AS x(pipeline_id, run_number, started_at)
            WHERE (o.status IN ('FAILED', 'TIMED_OUT', 'ABORTED') OR n.status IN ('FAILED', 'TIMED_OUT', 'ABORTED'))
              AND (o.status, o.started_at, o.run_number, o.pipeline_id)
                  IS DISTINCT FROM (n.status, n.started_at, n.run_number, n.pipeline_id)) d
    HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER run_failed_rollup_insert AFTER INSERT ON "run" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_failed_inserted();
CREATE TRIGGER run_failed_rollup_delete AFTER DELETE ON "run" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_failed_deleted();
CREATE TRIGGER run_failed_rollup_update AFTER UPDATE ON "run" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_failed_updated();

SELECT stepwise_rollup_rebuild(NULL);
