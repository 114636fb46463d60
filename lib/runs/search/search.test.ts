/**
 * The run search against a real Postgres with known runs: every operator, AND/OR precedence, exists,
 * numbers against strings, the triggers that keep run.input_doc / run.hyper_parameters, and hostile input
 * through the API (400 that points at the position, never a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getRuns } from "@/app/api/v1/pipelines/[pipelineId]/runs/route";
import { createTestToken, createTestUser } from "@/lib/auth/testing";
import { pool, sql } from "@/lib/db";
import { listRuns } from "@/lib/pipelines/queries";
import { RunListQuery } from "@/lib/pipelines/schema";
import { runsPageSql, SEARCH_FIRST_PARAM } from "@/lib/pipelines/sql/runs-page";
import { compileSearch, parseSearch } from "@/lib/runs/search";
import { type SeededPipeline, type SeededRun, seedPipeline, seedRun } from "@/lib/runs/testing";

let pipeline: SeededPipeline;
const runs: Record<string, SeededRun> = {};
let token: string;

async function trainingJob(run: SeededRun, hp: Record<string, string>, createdAt: string) {
  const name = `${run.name}-${Math.random().toString(36).slice(2, 8)}`;
  const [job] = await sql<{ id: number }>(
    `INSERT INTO sagemaker_job (source_id, kind, name, arn, run_id, status, hyper_parameters, job_created_at)
     VALUES ($1, 'TRAINING', $2, $3, $4, 'Completed', $5::jsonb, $6) RETURNING id`,
    [pipeline.sourceId, name, `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${name}`, run.id, hp, createdAt],
  );
  return job?.id ?? 0;
}

beforeAll(async () => {
  pipeline = await seedPipeline();
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 0, minute));
  const input = (doc: unknown) => (typeof doc === "string" ? doc : JSON.stringify(doc));
  const seed = async (key: string, minute: number, doc: unknown) => {
    runs[key] = await seedRun(pipeline, { startedAt: at(minute), input: input(doc) });
  };
  await seed("r1", 1, {
    dataset: { train: "s3://b/2026-11-01/train" },
    epochs: 10,
    tags: ["a", "b"],
    flag: true,
    note: "O'Brien; DROP",
  });
  await seed("r2", 2, { dataset: { train: "s3://b/2026-10-15/train" }, epochs: "20", tags: ["b"] });
  await seed("r3", 3, { dataset: { train: "S3://B/2026-11-30/TRAIN" }, epochs: 5.0, extra: null });
  await seed("r4", 4, "not json {");
  await seed("r5", 5, { epochs: [10] });
  const r = (key: string) => runs[key] as SeededRun;
  await trainingJob(r("r1"), { learning_rate: "0.01", max_depth: "6", optimizer: "Adam" }, "2026-11-01T00:01:00Z");
  await trainingJob(r("r2"), { learning_rate: "0.1", max_depth: "10" }, "2026-11-01T00:02:00Z");
  await trainingJob(r("r3"), { learning_rate: "0.05" }, "2026-11-01T00:04:00Z");
  // An earlier job of the same run: the later job's value wins.
  await trainingJob(r("r3"), { learning_rate: "0.001", batch: "64" }, "2026-11-01T00:03:00Z");
  const { user } = await createTestUser();
  token = (await createTestToken({ userId: user.id })).token;
});

afterAll(async () => {
  await pool.end();
});

/** The seeded run keys the query finds, oldest first. */
async function find(q: string): Promise<string[]> {
  const page = await listRuns({
    pipelineId: pipeline.pipelineId,
    query: RunListQuery.parse({ q, sort: "oldest" }),
    metricColumns: [],
  });
  const byId = new Map(Object.entries(runs).map(([key, run]) => [run.publicId, key]));
  return page.runs.map((run) => byId.get(run.publicId) ?? run.publicId);
}

describe("run search with known data", () => {
  it.each([
    ["input.dataset.train ~ 2026-11", ["r1", "r3"]],
    ["input.dataset.train ~ TRAIN", ["r1", "r2", "r3"]],
    ["hp.learning_rate = 0.01", ["r1"]],
    ["hp.learning_rate = 0.05", ["r3"]],
    ["hp.learning_rate = 0.001", []],
    ["hp.batch = 64", ["r3"]],
    ["input.epochs = 10", ["r1"]],
    ["input.epochs = 5", ["r3"]],
    ['input.epochs = "20"', ["r2"]],
    ["input.epochs = 20", ["r2"]],
    ["input.epochs >= 10", ["r1", "r2"]],
    ["input.epochs < 10", ["r3"]],
    ["hp.max_depth > 8", ["r2"]],
    ["hp.max_depth <= 6", ["r1"]],
    ['hp.max_depth > "8"', []],
    ["hp.optimizer < B", ["r1"]],
    ['input.dataset.train > "s3://b/2026-11"', ["r1"]],
    ["hp.learning_rate != 0.01", ["r2", "r3"]],
    ["input.extra exists", ["r3"]],
    ["input.extra !exists", ["r1", "r2", "r4", "r5"]],
    ["hp.optimizer !exists", ["r2", "r3", "r4", "r5"]],
    ["input.flag = true", ["r1"]],
    ['input.flag = "true"', []],
    ["input.tags[0] = a", ["r1"]],
    ["input.tags[0] = b", ["r2"]],
    ["input.tags[1] exists", ["r1"]],
  ])("%s", async (q, expected) => {
    expect(await find(q)).toEqual(expected);
  });

  it("binds AND tighter than OR; parentheses and implicit AND as written", async () => {
    expect(await find("hp.learning_rate = 0.01 OR hp.learning_rate = 0.1 AND input.epochs = 10")).toEqual(["r1"]);
    expect(await find("(hp.learning_rate = 0.01 OR hp.learning_rate = 0.1) AND input.epochs exists")).toEqual([
      "r1",
      "r2",
    ]);
    expect(await find("input.epochs exists hp.max_depth exists")).toEqual(["r1", "r2"]);
    expect(await find(`${runs.r2?.name} OR input.extra exists`)).toEqual(["r2", "r3"]);
    expect(await find(runs.r4?.publicId ?? "")).toEqual(["r4"]);
  });

  it("treats SQL-looking values and LIKE wildcards as plain text", async () => {
    expect(await find(`input.note = "O'Brien; DROP"`)).toEqual(["r1"]);
    expect(await find(`input.note ~ "'; DROP TABLE run; --"`)).toEqual([]);
    expect(await find(`input.dataset.train ~ "%"`)).toEqual([]);
    expect(await find(`input.dataset.train ~ "_"`)).toEqual([]);
    const [count] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM run WHERE pipeline_id = $1", [
      pipeline.pipelineId,
    ]);
    expect(count?.n).toBe(5);
  });

  it("keeps input_doc and hyper_parameters with the writes (triggers)", async () => {
    const r4 = runs.r4 as SeededRun;
    await sql(`UPDATE run SET input = '{"epochs": 7}' WHERE id = $1`, [r4.id]);
    expect(await find("input.epochs = 7")).toEqual(["r4"]);
    const jobId = await trainingJob(r4, { learning_rate: "0.3" }, "2026-11-01T00:05:00Z");
    expect(await find("hp.learning_rate = 0.3")).toEqual(["r4"]);
    await sql(`UPDATE sagemaker_job SET hyper_parameters = '{"learning_rate": "0.4"}' WHERE id = $1`, [jobId]);
    expect(await find("hp.learning_rate = 0.3")).toEqual([]);
    expect(await find("hp.learning_rate = 0.4")).toEqual(["r4"]);
    await sql("DELETE FROM sagemaker_job WHERE id = $1", [jobId]);
    expect(await find("hp.learning_rate exists")).toEqual(["r1", "r2", "r3"]);
    await sql(`UPDATE run SET input = 'not json {' WHERE id = $1`, [r4.id]);
    expect(await find("input.epochs = 7")).toEqual([]);
  });
});

describe("the index probes (trigram and per-pipeline containment) never lose a run", () => {
  let other: SeededPipeline;
  const keyed: Record<string, string> = {};

  beforeAll(async () => {
    other = await seedPipeline();
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 0, minute));
    const docs: Record<string, unknown> = {
      // Text jsonb prints escaped: a quote, a backslash, a newline around the needle; non-ASCII as it is.
      q1: { path: 'a"b X9yz c', deep: { key: "Straße/x9" } },
      q2: { path: "a\\b\nx9Y" },
      q3: { path: ["x9yz"], deep: { key: { inner: "x9yz" } } },
      q4: { path: "nothing here", tags: ["b"], n: 7 },
      q5: { PATH: "x9yz", n: "8" },
    };
    let minute = 0;
    for (const [key, doc] of Object.entries(docs)) {
      const run = await seedRun(other, { startedAt: at(++minute), input: JSON.stringify(doc) });
      keyed[run.publicId] = key;
    }
    // The same values in another pipeline must never show up (the indexes are per pipeline now).
    await seedRun(await seedPipeline(), { startedAt: at(30), input: JSON.stringify(docs.q1) });
  });

  const findIn = async (q: string) => {
    const page = await listRuns({
      pipelineId: other.pipelineId,
      query: RunListQuery.parse({ q, sort: "oldest" }),
      metricColumns: [],
    });
    return page.runs.map((run) => keyed[run.publicId] ?? run.publicId);
  };

  it.each([
    ["input.path ~ x9", ["q1", "q2", "q3"]],
    ["input.path ~ X9YZ", ["q1", "q3"]],
    ['input.path ~ "b x9"', ["q1"]],
    ['input.path ~ "a\\"b"', ["q1"]],
    ['input.path ~ "\\\\b"', ["q2"]],
    ["input.path ~ 'b\nx9'", ["q2"]],
    ["input.deep.key ~ straße/X9", ["q1"]],
    ["input.deep.key ~ inner", ["q3"]],
    ["input.deep ~ x9yz", ["q3"]],
    ["input.path[0] ~ x9y", ["q3"]],
    ["input.tags = b", []],
    ["input.tags[0] = b", ["q4"]],
    ["input.path exists", ["q1", "q2", "q3", "q4"]],
    ["input.deep.key exists", ["q1", "q3"]],
    ["input.n >= 7", ["q4", "q5"]],
    ["input.n > 7", ["q5"]],
    ["input.PATH ~ x9", ["q5"]],
  ])("%s", async (q, expected) => {
    expect(await findIn(q)).toEqual(expected);
  });

  it("asks the indexes the migration built (the expression in compile.ts is the index's, byte for byte)", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      await client.query("SET LOCAL enable_indexscan = off");
      const plan = async (q: string) => {
        // No pipeline condition: with sequential and plain index scans off, only the search's own index can serve.
        const compiled = compileSearch(parseSearch(q), 1);
        const { rows } = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN SELECT r.id FROM run r WHERE ${compiled?.sql}`,
          compiled?.params ?? [],
        );
        return rows.map((row) => row["QUERY PLAN"]).join("\n");
      };
      expect(await plan("input.path ~ x9yz")).toContain("run_search_text_idx");
      expect(await plan("input.deep.key exists")).toContain("run_search_text_idx");
      expect(await plan("hp.learning_rate = 0.01")).toContain("run_pipeline_id_hyper_parameters_idx");
      expect(await plan("input.path = x9yz")).toContain("run_pipeline_id_input_doc_idx");
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
  it("keys an equality's GIN probe by the pipeline as an equality, never as the range the page's order needs", async () => {
    // A range on btree_gin's pipeline column is a partial match: GIN reads the pipeline's whole posting tree (at
    // 100k runs ~31 ms per probe, four probes per page: bench/explain-run-search.ts). So a search whose probes are
    // all containment carries `r.pipeline_id = $1` in each, and the runs page states its range as int8.
    const compiled = compileSearch(parseSearch("hp.learning_rate = 0.01 AND input.epochs = 5"), SEARCH_FIRST_PARAM, {
      pipelineParam: 1,
    });
    expect(compiled?.pipelineKeyed).toBe(true);
    expect(compiled?.sql.match(/r\.pipeline_id = \$1 AND \(r\.\w+ @>/g)).toHaveLength(2);
    const statement = runsPageSql("newest", false, compiled?.sql ?? null, compiled?.pipelineKeyed);
    expect(statement).toContain("r.pipeline_id BETWEEN $1::int8 AND $1::int8");
    // Which works because btree_gin's int4_ops has no int4-int8 operator (while the btree's integer_ops has), on
    // whichever Postgres this runs.
    const [opclasses] = await sql<{ gin: number; btree: number }>(
      `SELECT count(*) FILTER (WHERE am.amname = 'gin')::int AS gin, count(*) FILTER (WHERE am.amname = 'btree')::int AS btree
         FROM pg_amop o JOIN pg_opfamily f ON f.oid = o.amopfamily JOIN pg_am am ON am.oid = f.opfmethod
        WHERE o.amoplefttype = 'int4'::regtype AND o.amoprighttype = 'int8'::regtype
          AND f.opfname IN ('int4_ops', 'integer_ops')`,
    );
    expect(opclasses).toEqual({ gin: 0, btree: 5 });
    // A trigram probe has no pipeline equality to go by: such a search keeps the int4 range.
    const mixed = compileSearch(parseSearch("hp.eta = 1 AND input.path ~ x9yz"), SEARCH_FIRST_PARAM, {
      pipelineParam: 1,
    });
    expect(mixed?.pipelineKeyed).toBe(false);
    expect(runsPageSql("newest", false, mixed?.sql ?? null, mixed?.pipelineKeyed)).toContain(
      "r.pipeline_id BETWEEN $1 AND $1",
    );
    // The answers through listRuns (this path, keyed or not) are the tables above.
  });
});

describe("GET /api/v1/pipelines/{id}/runs?q=", () => {
  const get = (q: string, extra = "") =>
    getRuns(
      new Request(
        `http://localhost:3000/api/v1/pipelines/${pipeline.pipelineId}/runs?q=${encodeURIComponent(q)}${extra}`,
        { headers: { authorization: `Bearer ${token}` } },
      ),
      { params: Promise.resolve({ pipelineId: String(pipeline.pipelineId) }) },
    );

  it("answers the matching runs as JSON and as CSV", async () => {
    const json = await get("hp.learning_rate >= 0.05");
    expect(json.status).toBe(200);
    const body = (await json.json()) as { runs: { publicId: string }[] };
    expect(body.runs.map((r) => r.publicId).sort()).toEqual([runs.r2?.publicId, runs.r3?.publicId].sort());
    const csv = await get("hp.learning_rate >= 0.05", "&format=csv&include=hyperparameters");
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("hyperparameters.learning_rate");
  });

  it.each([
    ["hp.a = 1 AND hp.b = 2)", "unexpected ')' at 22"],
    ["input.a = 'x' OR", "unexpected end of query at 17"],
    ["input.a;DELETE FROM run = 1", "is not a key"],
    [`${"(".repeat(50)}a${")".repeat(50)}`, "nested deeper than"],
    ["x".repeat(5000), "1000"],
  ])("refuses %s with a 400 that says why", async (q, message) => {
    const res = await get(q);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain(message);
  });
});
