import { createHash, randomBytes } from "node:crypto";

/** SHA-256 hex: how session tokens and API tokens are stored (the secrets themselves never are). */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
