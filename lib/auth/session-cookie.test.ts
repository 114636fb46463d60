import { afterEach, describe, expect, it } from "vitest";
import { authOptions } from "./options";

const saved = { url: process.env.NEXTAUTH_URL, frames: process.env.STEPWISE_FRAME_ANCESTORS };

afterEach(() => {
  for (const [name, value] of [
    ["NEXTAUTH_URL", saved.url],
    ["STEPWISE_FRAME_ANCESTORS", saved.frames],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** The session cookie next-auth is configured with for a deployment at `url`, framed by `frames` (or not). */
function sessionCookie(url: string, frames?: string) {
  process.env.NEXTAUTH_URL = url;
  if (frames === undefined) delete process.env.STEPWISE_FRAME_ANCESTORS;
  else process.env.STEPWISE_FRAME_ANCESTORS = frames;
  const cookie = authOptions().cookies?.sessionToken;
  if (!cookie) throw new Error("no session cookie configured");
  return { name: cookie.name, sameSite: cookie.options.sameSite, secure: cookie.options.secure };
}

describe("the session cookie of a deployment (what a frame on another site can be given)", () => {
  it("is SameSite=None, Secure and __Host- over https with framing on: a portal on another site may use it", () => {
    expect(sessionCookie("https://stepwise.example.com", "https://backstage.example.com")).toEqual({
      name: "__Host-stepwise.session",
      sameSite: "none",
      secure: true,
    });
  });

  it("stays SameSite=Lax over https when no origin may frame Stepwise", () => {
    expect(sessionCookie("https://stepwise.example.com")).toEqual({
      name: "__Host-stepwise.session",
      sameSite: "lax",
      secure: true,
    });
    expect(sessionCookie("https://stepwise.example.com", "")).toMatchObject({ sameSite: "lax" });
  });

  it("stays SameSite=Lax without TLS, framing or not (browsers drop SameSite=None cookies that are not Secure)", () => {
    for (const frames of [undefined, "http://127.0.0.1:7007"]) {
      expect(sessionCookie("http://localhost:3000", frames)).toEqual({
        name: "stepwise.session",
        sameSite: "lax",
        secure: false,
      });
    }
  });
});
