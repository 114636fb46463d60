/** API tokens always expire: 90 days unless asked otherwise, never past the maximum (both configurable). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestUser } from "./testing";
import { createApiToken } from "./tokens";

const DAY = 86_400_000;
// The clock is frozen (only Date is faked; timers and I/O run) so expiries are exact days from T0.
const T0 = Date.UTC(2026, 5, 15, 12, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
  delete process.env.API_TOKEN_DEFAULT_DAYS;
  delete process.env.API_TOKEN_MAX_DAYS;
});

async function create(expiresInDays?: number | null) {
  const { user } = await createTestUser();
  const created = await createApiToken({
    userId: user.id,
    input: { name: "t", ...(expiresInDays === undefined ? {} : { expiresInDays }) },
    actor: null,
    via: "test",
  });
  return { days: (created.expiresAt.getTime() - T0) / DAY, created };
}

describe("API token expiry", () => {
  it("expires after 90 days when no expiry is asked for (there is no 'never')", async () => {
    for (const asked of [undefined, null]) {
      const { days } = await create(asked);
      expect(days).toBe(90);
    }
  });

  it("takes an expiry up to 365 days and refuses a longer one with 400", async () => {
    expect((await create(365)).days).toBe(365);
    await expect(create(366)).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/365/) });
    await expect(create(3650)).rejects.toMatchObject({ status: 400 });
    await expect(create(0)).rejects.toMatchObject({ status: 400 });
  });

  it("follows API_TOKEN_DEFAULT_DAYS and API_TOKEN_MAX_DAYS (the default never above the maximum)", async () => {
    process.env.API_TOKEN_DEFAULT_DAYS = "30";
    expect((await create()).days).toBe(30);
    process.env.API_TOKEN_MAX_DAYS = "14";
    expect((await create()).days).toBe(14);
    await expect(create(15)).rejects.toMatchObject({ status: 400 });
  });
});
