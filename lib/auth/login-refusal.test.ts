import { afterEach, describe, expect, it } from "vitest";
import { loginRefusal } from "./options";

afterEach(() => {
  delete process.env.OIDC_REQUIRE_VERIFIED_EMAIL;
});

describe("loginRefusal (OIDC email_verified)", () => {
  it("lets a verified address in (boolean or the string some IdPs send)", () => {
    expect(loginRefusal({ email: "a@x", email_verified: true })).toBeNull();
    expect(loginRefusal({ email: "a@x", email_verified: "true" })).toBeNull();
  });

  it.each([
    ["false", { email: "a@x", email_verified: false }],
    ["the string false", { email: "a@x", email_verified: "false" }],
    ["absent", { email: "a@x" }],
    ["1", { email: "a@x", email_verified: 1 }],
    ["no profile", undefined],
  ])("refuses an address whose email_verified is %s", (_label, profile) => {
    expect(loginRefusal(profile)).toBe("email not verified");
  });

  it("is off with OIDC_REQUIRE_VERIFIED_EMAIL=off (IdPs that never send the claim)", () => {
    process.env.OIDC_REQUIRE_VERIFIED_EMAIL = "off";
    expect(loginRefusal({ email: "a@x" })).toBeNull();
    process.env.OIDC_REQUIRE_VERIFIED_EMAIL = "on";
    expect(loginRefusal({ email: "a@x" })).toBe("email not verified");
  });
});
