/**
 * Refused credentials are audited at most AUDIT_FAILED_PER_MINUTE times per source address and minute:
 * the window logic at fixed instants, and a flood through the real withApi route into real Postgres.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET as getMe } from "@/app/api/v1/me/route";
import { prisma } from "@/lib/db";
import { admitFailedCredentialAudit, failedAuditsPerMinute } from "./failed-credentials";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const address = () => `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 8)}`;

describe("admitFailedCredentialAudit", () => {
  it("writes 20 rows per address per minute, counts the rest and reports them with the next row written", () => {
    const flooder = address();
    const other = address();
    const limit = failedAuditsPerMinute();
    expect(limit).toBe(20);
    const decisions = Array.from({ length: 30 }, (_, i) => admitFailedCredentialAudit(flooder, T0 + i * 1000));
    expect(decisions.filter((d) => d.write)).toHaveLength(20);
    expect(decisions.slice(20).every((d) => !d.write)).toBe(true);
    // Another address is not held back by the flood.
    expect(admitFailedCredentialAudit(other, T0 + 30_000)).toEqual({ write: true, suppressed: 0 });
    // The next minute: written again, saying 10 rows were left out.
    expect(admitFailedCredentialAudit(flooder, T0 + 60_000)).toEqual({ write: true, suppressed: 10 });
    expect(admitFailedCredentialAudit(flooder, T0 + 61_000)).toEqual({ write: true, suppressed: 0 });
  });

  it("follows AUDIT_FAILED_PER_MINUTE", () => {
    process.env.AUDIT_FAILED_PER_MINUTE = "2";
    try {
      const a = address();
      expect([0, 1, 2].map((i) => admitFailedCredentialAudit(a, T0 + i).write)).toEqual([true, true, false]);
    } finally {
      delete process.env.AUDIT_FAILED_PER_MINUTE;
    }
  });
});

describe("a flood of forged cookies through the API", () => {
  // The window is a minute of the clock: frozen at T0 (only Date is faked, timers and I/O run), so the
  // flood can never straddle a minute boundary and the count is the same on every run.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 + 5_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("leaves 20 audit rows for the flooding address and still audits another address", async () => {
    const flooder = address();
    const other = address();
    const call = (ip: string) =>
      getMe(
        new Request("http://localhost/api/v1/me", {
          headers: { cookie: "stepwise.session=forged", "x-forwarded-for": ip, "user-agent": "flood-test" },
        }),
      );
    for (let i = 0; i < 30; i++) expect((await call(flooder)).status).toBe(401);
    expect((await call(other)).status).toBe(401);
    const rows = await prisma.auditLog.groupBy({
      by: ["ip"],
      where: { ip: { in: [flooder, other] }, action: "api.unauthorized" },
      _count: true,
    });
    expect(Object.fromEntries(rows.map((r) => [r.ip, r._count]))).toEqual({ [flooder]: 20, [other]: 1 });
  });
});
