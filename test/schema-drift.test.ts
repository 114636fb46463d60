import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DbShape, shapeFromDatabase, shapeFromSchema } from "@/lib/db/schema-shape";

// The migrations are hand-written SQL (no Prisma schema engine here), so this is
// the only thing that notices when schema.prisma and the migrated database disagree.
describe("migrated database matches prisma/schema.prisma", () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  let actual: DbShape;
  const expected = shapeFromSchema(readFileSync("prisma/schema.prisma", "utf8"));

  beforeAll(async () => {
    await client.connect();
    actual = await shapeFromDatabase(client);
  });
  afterAll(() => client.end());

  it("has the same enums", () => {
    expect(actual.enums).toEqual(expected.enums);
  });

  it("has the same tables", () => {
    expect(Object.keys(actual.tables).sort()).toEqual(Object.keys(expected.tables).sort());
  });

  it("has the same columns, types, nullability, defaults and primary keys", () => {
    for (const [table, shape] of Object.entries(expected.tables)) {
      expect({ table, ...actual.tables[table] }).toEqual({ table, ...shape });
    }
  });

  it("has the same indexes", () => {
    expect(actual.indexes).toEqual(expected.indexes);
  });

  it("has the same foreign keys and referential actions", () => {
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
  });

  it("notices a difference (guards against comparing two empty shapes)", () => {
    expect(Object.keys(expected.tables).length).toBeGreaterThan(15);
    expect(Object.keys(expected.indexes).length).toBeGreaterThan(20);
    expect(Object.keys(expected.foreignKeys).length).toBeGreaterThan(15);
    const altered = shapeFromSchema(
      readFileSync("prisma/schema.prisma", "utf8").replace(
        "redriveCount     Int       @default(0)",
        "redriveCount     Int?",
      ),
    );
    expect(altered.tables.run?.columns.redrive_count).toEqual({ type: "integer", nullable: true, default: null });
    expect(actual.tables.run?.columns.redrive_count).not.toEqual(altered.tables.run?.columns.redrive_count);
  });

  it("compares the predicate of partial indexes, so a missing or different WHERE is drift", () => {
    const name = "run_metric_pipeline_id_name_run_number_idx";
    expect(expected.indexes[name]?.where).toBe("scope = 'run'");
    expect(actual.indexes[name]).toEqual(expected.indexes[name]);
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    const partial = `@@index([pipelineId, name, runNumber], where: raw("scope = 'run'"))`;
    expect(schema).toContain(partial);
    const other = shapeFromSchema(schema.replace(partial, partial.replace("'run'", "'job'")));
    expect(other.indexes[name]?.where).toBe("scope = 'job'");
    expect(actual.indexes[name]).not.toEqual(other.indexes[name]);
    const full = shapeFromSchema(schema.replace(partial, "@@index([pipelineId, name, runNumber])"));
    expect(full.indexes[name]?.where).toBeUndefined();
    expect(actual.indexes[name]).not.toEqual(full.indexes[name]);
  });

  it("compares the access method and operator class, so a GIN jsonb_path_ops index never passes for a B-tree", () => {
    const name = "run_pipeline_id_hyper_parameters_idx";
    const gin = {
      table: "run",
      unique: false,
      columns: ["pipeline_id int4_ops", "hyper_parameters jsonb_path_ops"],
      using: "gin",
    };
    expect(expected.indexes[name]).toEqual(gin);
    expect(actual.indexes[name]).toEqual(gin);
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    const declared = '@@index([pipelineId(ops: raw("int4_ops")), hyperParameters(ops: JsonbPathOps)], type: Gin)';
    expect(schema).toContain(declared);
    const btree = shapeFromSchema(schema.replace(declared, `@@index([pipelineId, hyperParameters], map: "${name}")`));
    expect(btree.indexes[name]).toEqual({ table: "run", unique: false, columns: ["pipeline_id", "hyper_parameters"] });
    const ops = shapeFromSchema(
      schema.replace(
        declared,
        '@@index([pipelineId(ops: raw("int4_ops")), hyperParameters(ops: JsonbOps)], type: Gin)',
      ),
    );
    expect(ops.indexes[name]).toEqual({ ...gin, columns: ["pipeline_id int4_ops", "hyper_parameters jsonb_ops"] });
    expect(actual.indexes[name]).not.toEqual(ops.indexes[name]);
    // Without the pipeline key (the whole-table index of migration 20261130900000) it is another index.
    const single = shapeFromSchema(
      schema.replace(declared, `@@index([hyperParameters(ops: JsonbPathOps)], type: Gin, map: "${name}")`),
    );
    expect(actual.indexes[name]).not.toEqual(single.indexes[name]);
  });

  it("compares indexes on an expression (declared in a comment Prisma ignores), key, class and method", () => {
    const name = "run_search_text_idx";
    const trgm = {
      table: "run",
      unique: false,
      columns: ["pipeline_id int4_ops", "(coalesceinput_doc,''||hyper_parameters) gin_trgm_ops"],
      using: "gin",
    };
    expect(expected.indexes[name]).toEqual(trgm);
    expect(actual.indexes[name]).toEqual(trgm);
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    const line = /^\s*\/\/ @@expressionIndex run_search_text_idx .*$/m.exec(schema)?.[0] ?? "";
    expect(line).not.toBe("");
    for (const altered of [
      line.replace("|| hyper_parameters::text", "|| input::text"),
      line.replace("gin_trgm_ops", "gist_trgm_ops"),
      line.replace("USING gin", "USING gist"),
      line.replace("pipeline_id int4_ops, ", ""),
      "",
    ]) {
      expect(actual.indexes[name]).not.toEqual(shapeFromSchema(schema.replace(line, altered)).indexes[name]);
    }
  });

  it("sees INCLUDE columns and predicates in the database, not only key columns", async () => {
    const table = `drift_probe_${Math.random().toString(36).slice(2, 8)}`;
    await client.query(`CREATE TABLE ${table} (a int, b int, c text)`);
    try {
      await client.query(`CREATE INDEX ${table}_inc ON ${table} (a) INCLUDE (b)`);
      await client.query(`CREATE INDEX ${table}_part ON ${table} (a, b) WHERE c = 'x' AND b > 2`);
      await client.query(`CREATE INDEX ${table}_expr ON ${table} (a, lower(c || 'y'::text) DESC)`);
      const shape = await shapeFromDatabase(client);
      expect(shape.indexes[`${table}_inc`]).toEqual({ table, unique: false, columns: ["a", "b INCLUDE"] });
      expect(shape.indexes[`${table}_part`]).toEqual({
        table,
        unique: false,
        columns: ["a", "b"],
        where: "(c = 'x') AND (b > 2)",
      });
      expect(shape.indexes[`${table}_expr`]).toEqual({ table, unique: false, columns: ["a", "(lowerc||'y') DESC"] });
    } finally {
      await client.query(`DROP TABLE ${table}`);
    }
  });
});
