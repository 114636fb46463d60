/**
 * The binary COPY encoder: its bytes as the PostgreSQL manual lays them out, and a round trip through a real
 * Postgres that must store exactly what the same values store through ordinary parameters (text input functions).
 */
import { afterAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import { binaryCopyChunks, copyBinary } from "./copy-binary";

afterAll(async () => {
  await pool.end();
});

const bytes = (chunks: Iterable<Buffer>) => Buffer.concat([...chunks]);

describe("binary COPY encoding", () => {
  it("writes the signature, the header, each field as length + bytes (null as -1) and the trailer", () => {
    const out = bytes(
      binaryCopyChunks(
        ["int4", "int4", "text", "jsonb", "timestamp"],
        [[-2, null, "é", "{}", new Date(Date.UTC(2000, 0, 1, 0, 0, 0, 1))]],
      ),
    );
    const expected = Buffer.concat([
      Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), // flags, header extension length
      Buffer.from([0, 5]), // field count
      Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]), // int4 -2
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // null
      Buffer.from([0, 0, 0, 2, 0xc3, 0xa9]), // "é" in UTF-8
      Buffer.from([0, 0, 0, 3, 1, 0x7b, 0x7d]), // jsonb version 1 + "{}"
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x03, 0xe8]), // 1 ms after 2000-01-01 = 1,000 µs
      Buffer.from([0xff, 0xff]), // trailer
    ]);
    expect(out.equals(expected)).toBe(true);
  });

  it("writes instants before Postgres' epoch as negative microseconds (two's complement over 64 bits)", () => {
    const out = bytes(
      binaryCopyChunks(["timestamp"], [[new Date(0)], [new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999))]]),
    );
    expect(out.readBigInt64BE(19 + 2 + 4)).toBe(-946_684_800_000_000n);
    expect(out.readBigInt64BE(19 + 14 + 2 + 4)).toBe(-1_000n);
  });

  it("splits the stream into ~1 MiB chunks and gives a row larger than a chunk a buffer of its own", () => {
    const big = "x".repeat(3 << 20);
    const chunks = [
      ...binaryCopyChunks(
        ["int4", "text"],
        [
          [1, "a"],
          [2, big],
          [3, "b"],
        ],
      ),
    ];
    expect(chunks.length).toBeGreaterThan(1);
    const out = Buffer.concat(chunks);
    expect(out.length).toBe(19 + (2 + 8 + 5) + (2 + 8 + 4 + big.length) + (2 + 8 + 5) + 2);
  });

  it("refuses values that do not fit their column instead of writing wrong bytes", () => {
    const encode = (column: "int4" | "timestamp" | "text", value: unknown) => () => [
      ...binaryCopyChunks([column], [[value as string]]),
    ];
    expect(encode("int4", 1.5)).toThrow(TypeError);
    expect(encode("int4", 2 ** 31)).toThrow(RangeError);
    expect(encode("timestamp", new Date(Number.NaN))).toThrow(RangeError);
    expect(encode("text", 42)).toThrow(TypeError);
    expect(() => [...binaryCopyChunks(["int4", "int4"], [[1]])]).toThrow(/1 fields, not 2/);
  });
});

describe("binary COPY into Postgres", () => {
  it("stores what the same values store as statement parameters", async () => {
    const text = 'tab\there\nnewline\r\\backslash \\N "quoted" ünïcödé 🚀 \u2028 ﷽ ';
    const json = JSON.stringify({ input: JSON.stringify({ a: text }), n: [1, 2.5, -3e-7], t: true, z: null });
    const rows: [number, number | null, string, string | null, Date][] = [
      [1, 2_147_483_647, text, json, new Date(Date.UTC(2026, 0, 1, 12, 34, 56, 789))],
      [2, -2_147_483_648, "", null, new Date(0)],
      [
        3,
        null,
        "x".repeat(300_000),
        JSON.stringify({ big: "y".repeat(2 << 20) }),
        new Date(Date.UTC(1969, 6, 20, 20, 17, 40)),
      ],
    ];
    const client = await pool.connect();
    try {
      await client.query(
        `CREATE TEMP TABLE copy_binary_test (k int PRIMARY KEY, i int, t text, j jsonb, ts timestamp(3), via text)`,
      );
      const copied = await copyBinary(
        client,
        "copy_binary_test (k, i, t, j, ts)",
        ["int4", "int4", "text", "jsonb", "timestamp"],
        rows,
      );
      expect(copied).toBe(3);
      await client.query("UPDATE copy_binary_test SET via = 'copy'");
      for (const [k, i, t, j, ts] of rows) {
        await client.query(
          `INSERT INTO copy_binary_test (k, i, t, j, ts, via) VALUES ($1 + 100, $2, $3, $4::jsonb, $5::timestamp, 'params')`,
          [k, i, t, j, ts.toISOString()],
        );
      }
      const { rows: stored } = await client.query<{ via: string; i: number; t: string; j: unknown; ts: string }>(
        `SELECT via, i, t, j, ts::text AS ts FROM copy_binary_test ORDER BY k % 100, via`,
      );
      for (let r = 0; r < rows.length; r++) {
        const [copy, params] = [stored[2 * r], stored[2 * r + 1]];
        expect(copy?.via).toBe("copy");
        expect(params?.via).toBe("params");
        expect({ ...copy, via: null }).toEqual({ ...params, via: null });
      }
      expect(stored[0]?.ts).toBe("2026-01-01 12:34:56.789");
      expect(stored[2]?.ts).toBe("1970-01-01 00:00:00");
      expect(stored[4]?.ts).toBe("1969-07-20 20:17:40");
    } finally {
      await client.query("DROP TABLE IF EXISTS copy_binary_test");
      client.release();
    }
  });

  it("fails the COPY, storing nothing, when Postgres refuses a value (a NUL in text)", async () => {
    const client = await pool.connect();
    try {
      await client.query("CREATE TEMP TABLE copy_binary_nul (k int, t text)");
      await expect(
        copyBinary(
          client,
          "copy_binary_nul (k, t)",
          ["int4", "text"],
          [
            [1, "ok"],
            [2, "a\u0000b"],
          ],
        ),
      ).rejects.toThrow(/0x00/);
      expect((await client.query("SELECT count(*)::int AS n FROM copy_binary_nul")).rows[0]?.n).toBe(0);
    } finally {
      await client.query("DROP TABLE IF EXISTS copy_binary_nul");
      client.release();
    }
  });
});
