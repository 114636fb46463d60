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
});
