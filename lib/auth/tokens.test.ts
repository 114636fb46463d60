/** API tokens always expire: 90 days unless asked otherwise, never past the maximum (both configurable). */
import { afterEach, describe, expect, it } from "vitest";
import { createTestUser } from "./testing";
import { createApiToken } from "./tokens";

const DAY = 86_400_000;

afterEach(() => {
  delete process.env.API_TOKEN_DEFAULT_DAYS;
  delete process.env.API_TOKEN_MAX_DAYS;
});

async function create(expiresInDays?: number | null) {
  const { user } = await createTestUser();
  const before = Date.now();
  const created = await createApiToken({
    userId: user.id,
    input: { name: "t", ...(expiresInDays === undefined ? {} : { expiresInDays }) },
    actor: null,
    via: "test",
  });
  return { days: (created.expiresAt.getTime() - before) / DAY, created };
}

describe("API token expiry", () => {
  it("expires after 90 days when no expiry is asked for (there is no 'never')", async () => {
    for (const asked of [undefined, null]) {
      const { days } = await create(asked);
      expect(days).toBeGreaterThan(89.99);
      expect(days).toBeLessThan(90.01);
    }
  });

  it("takes an expiry up to 365 days and refuses a longer one with 400", async () => {
    expect((await create(365)).days).toBeGreaterThan(364.99);
    await expect(create(366)).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/365/) });
    await expect(create(3650)).rejects.toMatchObject({ status: 400 });
    await expect(create(0)).rejects.toMatchObject({ status: 400 });
  });

  it("follows API_TOKEN_DEFAULT_DAYS and API_TOKEN_MAX_DAYS (the default never above the maximum)", async () => {
    process.env.API_TOKEN_DEFAULT_DAYS = "30";
    expect(Math.round((await create()).days)).toBe(30);
    process.env.API_TOKEN_MAX_DAYS = "14";
    expect(Math.round((await create()).days)).toBe(14);
    await expect(create(15)).rejects.toMatchObject({ status: 400 });
  });
});
