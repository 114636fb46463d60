/**
 * Channel secrets at rest: webhook and Slack URLs (a Slack incoming-webhook URL is itself the credential),
 * e-mail targets and the per-channel signing secret are stored as AES-256-GCM ciphertext. The key is derived
 * (HKDF-SHA256) from STEPWISE_SECRET_KEY, else NEXTAUTH_SECRET — the value every instance already shares —,
 * so a database dump alone reveals none of them. Format: "v1.<iv>.<tag>.<ciphertext>", base64url.
 */
import "server-only";
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

function key(): Buffer {
  const secret = process.env.STEPWISE_SECRET_KEY || process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("STEPWISE_SECRET_KEY or NEXTAUTH_SECRET must be set to store alert channel secrets");
  return Buffer.from(hkdfSync("sha256", secret, "stepwise", "stepwise alert channel secrets v1", 32));
}

export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

export function decryptSecret(stored: string): string {
  const [version, iv, tag, body] = stored.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("unknown secret format");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

/** A new per-channel signing secret, shown once. */
export const newSigningSecret = () => `whsec_${randomBytes(24).toString("base64url")}`;

/** `X-Stepwise-Signature`: "sha256=" + hex HMAC-SHA256 of the exact body bytes with the channel's secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}
