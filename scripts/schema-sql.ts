// Prints the DDL that creates the whole schema.prisma from an empty database,
// in Prisma Migrate's conventions. Use it to write a new migration: diff its
// output against the previous migration's and keep the new statements.
//   npx tsx scripts/schema-sql.ts > /tmp/full.sql
import { readFileSync } from "node:fs";
import { shapeFromSchema, sqlForShape } from "@/lib/db/schema-shape";

process.stdout.write(sqlForShape(shapeFromSchema(readFileSync("prisma/schema.prisma", "utf8"))));
