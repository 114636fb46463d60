/**
 * The relational shape of the database, computed two independent ways:
 * from `prisma/schema.prisma` (through Prisma's own schema parser, the
 * prisma-schema-wasm DMMF) and from a live database (pg_catalog). The drift test
 * compares them, and `scripts/schema-sql.ts` prints the DDL for a shape when a
 * new table needs a migration. Mapping rules follow Prisma's PostgreSQL
 * conventions (TIMESTAMP(3), JSONB, SERIAL, "<table>_<cols>_idx|key|fkey"
 * names), so the SQL we write is what Prisma Migrate would have written.
 */
import { createRequire } from "node:module";
import type pg from "pg";

export type ColumnShape = { type: string; nullable: boolean; default: string | null };
/**
 * `where`: the predicate of a partial index, normalised by `normalisePredicate` (absent for a full index).
 * Columns of an INCLUDE clause come after the key columns with the suffix " INCLUDE"; Prisma cannot declare
 * them, so such an index always shows up as drift (never silently as the plain index on the same columns).
 * A non-default operator class follows its column (`input_doc jsonb_path_ops`) — in a GIN index every column's
 * class does (`pipeline_id int4_ops`: btree_gin's classes are the default ones, and Prisma needs them named);
 * `using` is the access method when it is not a B-tree (`gin`), so a GIN index never passes for the B-tree on
 * the same column. A key that is an expression reads `(<expression>) <class>`, normalised by
 * `normaliseExpression` (Prisma cannot declare one: `// @@expressionIndex` lines in schema.prisma do).
 */
export type IndexShape = { table: string; unique: boolean; columns: string[]; where?: string; using?: string };
export type ForeignKeyShape = {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
};
export type DbShape = {
  enums: Record<string, string[]>;
  tables: Record<string, { columns: Record<string, ColumnShape>; primaryKey: { name: string; columns: string[] } }>;
  indexes: Record<string, IndexShape>;
  foreignKeys: Record<string, ForeignKeyShape>;
};

type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
};
type DmmfModel = { name: string; dbName: string | null; fields: DmmfField[] };
type DmmfIndex = {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  /** `type: Gin` etc. (absent or BTree for a B-tree). */
  algorithm?: string | null;
  fields: { name: string; sortOrder?: "asc" | "desc"; operatorClass?: string | null }[];
};
type Dmmf = {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
    indexes: DmmfIndex[];
  };
};

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Decimal: "numeric(65,30)",
  Bytes: "bytea",
};

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

function loadDmmf(schema: string): Dmmf {
  const require = createRequire(import.meta.url);
  const wasm = require("@prisma/prisma-schema-wasm") as { get_dmmf: (params: string) => string };
  return JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: schema }))) as Dmmf;
}

/**
 * The DMMF leaves out the `where:` of a partial index (`partialIndexes` preview feature), so the predicates
 * are read from the schema text: `@@index([a, b], where: raw("…"))` / `@@unique(…)` inside `model X { … }`.
 * Returns, per model name, the predicates keyed by the index's field list (and map name when given).
 */
function partialIndexPredicates(
  schema: string,
): Map<string, { fields: string[]; map: string | null; where: string }[]> {
  const out = new Map<string, { fields: string[]; map: string | null; where: string }[]>();
  const modelRe = /^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm;
  for (const model of schema.matchAll(modelRe)) {
    const [, name = "", body = ""] = model;
    for (const line of body.split("\n")) {
      const m = /^\s*@@(?:index|unique)\(\s*\[([^\]]*)\](.*)\)\s*$/.exec(line);
      if (!m) continue;
      const where = /where:\s*raw\("((?:[^"\\]|\\.)*)"\)/.exec(m[2] ?? "");
      if (!where) continue;
      const fields = (m[1] ?? "")
        .split(",")
        .map((f) => f.trim().replace(/\(.*\)$/, ""))
        .filter(Boolean);
      const map = /map:\s*"([^"]+)"/.exec(m[2] ?? "")?.[1] ?? null;
      const list = out.get(name) ?? [];
      list.push({ fields, map, where: normalisePredicate(JSON.parse(`"${where[1]}"`) as string) });
      out.set(name, list);
    }
  }
  return out;
}

/**
 * Indexes with an expression key, which Prisma cannot declare, from comment lines inside a model:
 * `// @@expressionIndex <name> USING <method> (<column> [class], (<expression>) [class], …)`.
 */
function expressionIndexes(schema: string, tableOf: Map<string, string>): Record<string, IndexShape> {
  const out: Record<string, IndexShape> = {};
  const modelRe = /^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm;
  for (const model of schema.matchAll(modelRe)) {
    const [, modelName = "", body = ""] = model;
    for (const line of body.split("\n")) {
      const m = /^\s*\/\/\s*@@expressionIndex\s+(\w+)\s+USING\s+(\w+)\s+\((.*)\)\s*$/.exec(line);
      if (!m) continue;
      const [, name = "", using = "", list = ""] = m;
      const columns = splitTopLevel(list).map((key) => {
        if (!key.startsWith("(")) return key.replace(/\s+/g, " ");
        let depth = 0;
        let end = 0;
        for (let i = 0; i < key.length; i++) {
          if (key[i] === "(") depth++;
          if (key[i] === ")" && --depth === 0) {
            end = i;
            break;
          }
        }
        const opclass = key.slice(end + 1).trim();
        return `(${normaliseExpression(key.slice(0, end + 1))})${opclass ? ` ${opclass}` : ""}`;
      });
      const table = tableOf.get(modelName) ?? modelName;
      out[name] = {
        table,
        unique: false,
        columns,
        ...(using.toLowerCase() === "btree" ? {} : { using: using.toLowerCase() }),
      };
    }
  }
  return out;
}

/** Splits `a, f(b, c), d` at the commas outside parentheses and quotes. */
function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const c of list) {
    if (c === "'") quoted = !quoted;
    if (!quoted && c === "(") depth++;
    if (!quoted && c === ")") depth--;
    if (!quoted && depth === 0 && c === ",") {
      out.push(current.trim());
      current = "";
    } else current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/**
 * An index expression as written in a migration and as `pg_get_indexdef` prints it compare equal: casts,
 * parentheses, spacing and letter case dropped (`(COALESCE((input_doc)::text, ''::text) || …)` and
 * `coalesce(input_doc::text, '') || …`).
 */
export function normaliseExpression(expression: string): string {
  return normalisePredicate(expression)
    .replace(/::[a-z_ "A-Z0-9]+(\[\])?/g, "")
    .replace(/[\s()]/g, "")
    .toLowerCase();
}

/** `(scope = 'run'::text)` and `scope = 'run'` compare equal: casts, outer parentheses and spacing dropped. */
export function normalisePredicate(predicate: string): string {
  let text = predicate
    .replace(/::[a-z_ "A-Z0-9]+(\[\])?/g, "")
    .replace(/\s+/g, " ")
    .trim();
  while (/^\(.*\)$/.test(text) && balanced(text.slice(1, -1))) text = text.slice(1, -1).trim();
  return text;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === "(") depth++;
    if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

function literalDefault(value: unknown): string {
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}

function expectedDefault(field: DmmfField): string | null {
  if (!field.hasDefaultValue || field.isUpdatedAt) return null;
  const value = field.default as { name: string; args: unknown[] } | string | number | boolean;
  if (typeof value === "object") {
    if (value.name === "autoincrement") return "autoincrement";
    if (value.name === "now") return "CURRENT_TIMESTAMP";
    if (value.name === "dbgenerated") return String(value.args[0] ?? "");
    return null; // cuid(), uuid(), nanoid(): generated by the client, not the database
  }
  return literalDefault(value);
}

export function shapeFromSchema(schema: string): DbShape {
  const { datamodel } = loadDmmf(schema);
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: string, field: string): string => {
    const found = datamodel.models.find((m) => m.name === model)?.fields.find((f) => f.name === field);
    if (!found) throw new Error(`Unknown field ${model}.${field}`);
    return found.dbName ?? found.name;
  };
  // Prisma's default class of a GIN key when the schema names none (Json: jsonb_ops, lists: array_ops).
  const ginDefaultClass = (model: string, field: string): string | null => {
    const found = datamodel.models.find((m) => m.name === model)?.fields.find((f) => f.name === field);
    if (found?.isList) return "array_ops";
    return found?.type === "Json" ? "jsonb_ops" : null;
  };
  const shape: DbShape = { enums: {}, tables: {}, indexes: {}, foreignKeys: {} };
  for (const e of datamodel.enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  for (const model of datamodel.models) {
    const table = tableOf.get(model.name) ?? model.name;
    const columns: Record<string, ColumnShape> = {};
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      const type = field.kind === "enum" ? (enumDbName.get(field.type) ?? field.type) : SCALAR_TYPES[field.type];
      if (!type) throw new Error(`No mapping for ${model.name}.${field.name}: ${field.type}`);
      columns[field.dbName ?? field.name] = {
        type: field.isList ? `${type}[]` : type,
        nullable: !field.isRequired,
        default: expectedDefault(field),
      };
    }
    shape.tables[table] = { columns, primaryKey: { name: `${table}_pkey`, columns: [] } };

    for (const field of model.fields) {
      if (field.kind !== "object" || !field.relationFromFields?.length) continue;
      const from = field.relationFromFields.map((f) => columnOf(model.name, f));
      const refTable = tableOf.get(field.type) ?? field.type;
      const required = field.relationFromFields.every((f) => model.fields.find((x) => x.name === f)?.isRequired);
      shape.foreignKeys[`${table}_${from.join("_")}_fkey`] = {
        table,
        columns: from,
        refTable,
        refColumns: (field.relationToFields ?? []).map((f) => columnOf(field.type, f)),
        onDelete: REFERENTIAL_ACTIONS[field.relationOnDelete ?? (required ? "Restrict" : "SetNull")] ?? "?",
        onUpdate: REFERENTIAL_ACTIONS[field.relationOnUpdate ?? "Cascade"] ?? "?",
      };
    }
  }

  const predicates = partialIndexPredicates(schema);
  for (const index of datamodel.indexes) {
    const table = tableOf.get(index.model) ?? index.model;
    // A non-default operator class follows the column (`input_doc jsonb_path_ops`), as the database side reads it.
    const gin = index.algorithm === "Gin";
    const columns = index.fields.map((f) => {
      const opclass = f.operatorClass
        ? f.operatorClass.replace(/[A-Z]/g, (c, i) => (i ? "_" : "") + c.toLowerCase())
        : gin
          ? ginDefaultClass(index.model, f.name)
          : null;
      return columnOf(index.model, f.name) + (opclass ? ` ${opclass}` : "") + (f.sortOrder === "desc" ? " DESC" : "");
    });
    const plain = index.fields.map((f) => columnOf(index.model, f.name));
    if (index.type === "id") {
      const entry = shape.tables[table];
      if (entry) entry.primaryKey = { name: index.dbName ?? `${table}_pkey`, columns: plain };
      continue;
    }
    const suffix = index.type === "unique" ? "key" : "idx";
    const name = index.dbName ?? `${table}_${plain.join("_")}_${suffix}`;
    const fieldNames = index.fields.map((f) => f.name).join(",");
    const partial = predicates
      .get(index.model)
      ?.find((p) => p.fields.join(",") === fieldNames && (p.map ?? null) === (index.dbName ?? null));
    const using = index.algorithm && index.algorithm !== "BTree" ? { using: index.algorithm.toLowerCase() } : {};
    shape.indexes[name] = partial
      ? { table, unique: index.type === "unique", columns, where: partial.where, ...using }
      : { table, unique: index.type === "unique", columns, ...using };
  }
  Object.assign(shape.indexes, expressionIndexes(schema, tableOf));
  return shape;
}

/** Strips casts so `'{}'::jsonb` and `'{}'` compare equal; serials become "autoincrement". */
function normaliseDefault(expression: string | null): string | null {
  if (expression === null) return null;
  if (/^nextval\(/.test(expression)) return "autoincrement";
  return expression.replace(/::[a-z_ "A-Z0-9()]+(\[\])?$/, "").replace(/^\((.*)\)$/, "$1");
}

export async function shapeFromDatabase(client: pg.Client | pg.Pool | pg.PoolClient): Promise<DbShape> {
  const shape: DbShape = { enums: {}, tables: {}, indexes: {}, foreignKeys: {} };
  const enums = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() GROUP BY t.typname`);
  for (const row of enums.rows) shape.enums[row.name] = row.values;

  const columns = await client.query<{
    table: string;
    column: string;
    type: string;
    nullable: boolean;
    def: string | null;
  }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS def
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'
    ORDER BY c.relname, a.attnum`);
  for (const row of columns.rows) {
    shape.tables[row.table] ??= { columns: {}, primaryKey: { name: "", columns: [] } };
    const entry = shape.tables[row.table];
    if (entry) {
      entry.columns[row.column] = {
        type: row.type.replaceAll('"', ""),
        nullable: row.nullable,
        default: normaliseDefault(row.def),
      };
    }
  }

  const indexes = await client.query<{
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    columns: string[];
    predicate: string | null;
    method: string;
    expressions: boolean[];
  }>(`
    SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
      pg_get_expr(ix.indpred, ix.indrelid) AS predicate, am.amname AS method,
      array(SELECT coalesce(a.attname::text, '(' || pg_get_indexdef(ix.indexrelid, k.ord::int, true) || ')')
                   || coalesce((SELECT ' ' || opc.opcname FROM pg_opclass opc
                                 WHERE k.ord <= ix.indnkeyatts AND opc.oid = ix.indclass[k.ord - 1]
                                   AND (NOT opc.opcdefault OR am.amname = 'gin')), '')
                   || CASE WHEN k.ord > ix.indnkeyatts THEN ' INCLUDE'
                           WHEN am.amname = 'btree' AND (ix.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
            FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0
            ORDER BY k.ord)::text[] AS columns,
      array(SELECT k.attnum = 0 FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ORDER BY k.ord)::boolean[]
        AS expressions
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_am am ON am.oid = i.relam
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
    WHERE t.relname <> '_prisma_migrations'`);
  for (const row of indexes.rows) {
    // An expression key reads `(<normalised expression>) <class>`, as expressionIndexes() writes the schema's.
    row.columns = row.columns.map((column, i) => {
      if (!row.expressions[i]) return column;
      const end = column.lastIndexOf(")") + 1;
      return `(${normaliseExpression(column.slice(0, end))})${column.slice(end)}`;
    });
    const entry = shape.tables[row.table];
    if (row.primary && entry) entry.primaryKey = { name: row.name, columns: row.columns };
    else {
      const using = row.method === "btree" ? {} : { using: row.method };
      shape.indexes[row.name] =
        row.predicate === null
          ? { table: row.table, unique: row.unique, columns: row.columns, ...using }
          : {
              table: row.table,
              unique: row.unique,
              columns: row.columns,
              where: normalisePredicate(row.predicate),
              ...using,
            };
    }
  }

  const actions: Record<string, string> = {
    a: "NO ACTION",
    r: "RESTRICT",
    c: "CASCADE",
    n: "SET NULL",
    d: "SET DEFAULT",
  };
  const fks = await client.query<{
    name: string;
    table: string;
    ref_table: string;
    columns: string[];
    ref_columns: string[];
    del: string;
    upd: string;
  }>(`
    SELECT con.conname AS name, t.relname AS table, rt.relname AS ref_table,
      array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
      array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS ref_columns,
      con.confdeltype AS del, con.confupdtype AS upd
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid
    JOIN pg_class rt ON rt.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
    WHERE con.contype = 'f'`);
  for (const row of fks.rows) {
    shape.foreignKeys[row.name] = {
      table: row.table,
      columns: row.columns,
      refTable: row.ref_table,
      refColumns: row.ref_columns,
      onDelete: actions[row.del] ?? row.del,
      onUpdate: actions[row.upd] ?? row.upd,
    };
  }
  return shape;
}

const q = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

function columnSql(name: string, column: ColumnShape): string {
  const isEnum = !Object.values(SCALAR_TYPES).includes(column.type.replace(/\[\]$/, ""));
  let type = isEnum ? q(column.type) : column.type.toUpperCase().replace(" WITHOUT TIME ZONE", "");
  let def = column.default;
  if (def === "autoincrement") {
    type = column.type === "bigint" ? "BIGSERIAL" : "SERIAL";
    def = null;
  }
  return `    ${q(name)} ${type}${column.nullable ? "" : " NOT NULL"}${def ? ` DEFAULT ${def}` : ""}`;
}

/** DDL creating `shape` from an empty schema, in Prisma Migrate's layout. */
export function sqlForShape(shape: DbShape): string {
  const out: string[] = [];
  for (const [name, values] of Object.entries(shape.enums)) {
    out.push(`-- CreateEnum\nCREATE TYPE ${q(name)} AS ENUM (${values.map((v) => `'${v}'`).join(", ")});\n`);
  }
  for (const [name, table] of Object.entries(shape.tables)) {
    const lines = Object.entries(table.columns).map(([column, c]) => columnSql(column, c));
    if (table.primaryKey.columns.length > 0)
      lines.push(
        `\n    CONSTRAINT ${q(table.primaryKey.name)} PRIMARY KEY (${table.primaryKey.columns.map(q).join(", ")})`,
      );
    out.push(`-- CreateTable\nCREATE TABLE ${q(name)} (\n${lines.join(",\n")}\n);\n`);
  }
  for (const [name, index] of Object.entries(shape.indexes)) {
    const columns = index.columns.map((c) => {
      const [column = "", ...rest] = c.split(" ");
      return [q(column), ...rest].join(" ");
    });
    out.push(
      `-- CreateIndex\nCREATE ${index.unique ? "UNIQUE " : ""}INDEX ${q(name)} ON ${q(index.table)}${
        index.using ? ` USING ${index.using.toUpperCase()} ` : ""
      }(${columns.join(", ")})${index.where ? ` WHERE ${index.where}` : ""};\n`,
    );
  }
  for (const [name, fk] of Object.entries(shape.foreignKeys)) {
    out.push(
      `-- AddForeignKey\nALTER TABLE ${q(fk.table)} ADD CONSTRAINT ${q(name)} FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.refTable)}(${fk.refColumns.map(q).join(", ")}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate};\n`,
    );
  }
  return out.join("\n");
}
