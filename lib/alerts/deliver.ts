/**
 * Sends one alert_delivery (the graphile-worker task `alert_delivery`, lib/alerts/worker.ts). At-least-once
 * with an idempotency key: the delivery row is locked (FOR UPDATE) while it is sent, a delivery already marked
 * sent is never sent again (a duplicate job, a second instance), and a crash between the receiver's answer and
 * our COMMIT can only repeat the same request with the same `X-Stepwise-Idempotency-Key`. A failed attempt
 * is recorded (status, response, error: the channel's delivery log) and thrown, so graphile-worker retries
 * it with its exponential backoff; the last attempt marks the delivery failed. Webhook and Slack targets go
 * through lib/alerts/outbound.ts (no private addresses, no redirects).
 */
import "server-only";
import type pg from "pg";
import { pool, transaction } from "@/lib/db";
import { decryptSecret, signBody } from "./crypto";
import { sendAlertEmail } from "./email";
import { postChecked } from "./outbound";
import type { AlertPayload } from "./schema";
import { slackMessage } from "./slack";

const TIMEOUT_MS = 10_000;
const KEEP_RESPONSE = 1000;

type DeliveryRow = {
  id: number;
  status: string;
  attempts: number;
  idempotency_key: string;
  alert_id: number;
  title: string;
  payload: AlertPayload;
  created_at: Date;
  kind: string;
  target_ciphertext: string;
  secret_ciphertext: string | null;
};

export type DeliveryOutcome = "sent" | "already-sent" | "gone" | "failed";

/** The JSON body of a generic webhook: the alert's payload with its identity. */
export function webhookBody(
  row: Pick<DeliveryRow, "idempotency_key" | "alert_id" | "title" | "payload" | "created_at">,
) {
  return JSON.stringify({
    id: row.idempotency_key,
    type: "alert",
    alertId: row.alert_id,
    createdAt: row.created_at.toISOString(),
    title: row.title,
    ...row.payload,
  });
}

export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeliveryError";
  }
}

type DeliverOptions = {
  deliveryId: number;
  /** This is the job's last attempt: a failure marks the delivery failed for good. */
  lastAttempt?: boolean;
  db?: pg.Pool;
};

export async function deliverAlert({
  deliveryId,
  lastAttempt = false,
  db = pool,
}: DeliverOptions): Promise<DeliveryOutcome> {
  let failure: string | null = null;
  const settled = await transaction(async (client): Promise<DeliveryOutcome | null> => {
    const { rows } = await client.query<DeliveryRow>(
      `SELECT d.id, d.status, d.attempts, d.idempotency_key, d.alert_id, a.title, a.payload,
              a.created_at AT TIME ZONE 'UTC' AS created_at, c.kind, c.target_ciphertext, c.secret_ciphertext
         FROM alert_delivery d JOIN alert a ON a.id = d.alert_id JOIN alert_channel c ON c.id = d.channel_id
        WHERE d.id = $1 FOR UPDATE OF d`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return "gone";
    if (row.status === "sent") return "already-sent";
    const outcome = await send(row);
    failure = outcome.failure;
    await client.query(
      `UPDATE alert_delivery
          SET attempts = attempts + 1, last_status = $2, last_response = $3, last_error = $4,
              status = CASE WHEN $4::text IS NULL THEN 'sent' WHEN $5 THEN 'failed' ELSE 'pending' END,
              sent_at = CASE WHEN $4::text IS NULL THEN now() AT TIME ZONE 'UTC' ELSE sent_at END,
              updated_at = now() AT TIME ZONE 'UTC'
        WHERE id = $1`,
      [row.id, outcome.status, outcome.response, failure, lastAttempt],
    );
    return null;
  }, db);
  if (settled) return settled;
  if (failure !== null) {
    if (lastAttempt) return "failed";
    throw new DeliveryError(`delivery ${deliveryId} failed: ${failure}`);
  }
  return "sent";
}

type Outcome = { status: number | null; response: string | null; failure: string | null };

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500);

/** One attempt on the channel's kind; never throws (the outcome is the delivery log's entry). */
async function send(row: DeliveryRow): Promise<Outcome> {
  try {
    if (row.kind === "email") {
      const { accepted, response } = await sendAlertEmail({
        to: decryptSecret(row.target_ciphertext),
        alert: { title: row.title, payload: row.payload, idempotencyKey: row.idempotency_key },
      });
      return {
        status: accepted ? 250 : null,
        response: response.slice(0, KEEP_RESPONSE),
        failure: accepted ? null : response,
      };
    }
    const request = buildRequest(row);
    const answer = await postChecked(request.url, request.headers, request.body, {
      timeoutMs: TIMEOUT_MS,
      keep: KEEP_RESPONSE,
    });
    const ok = answer.status >= 200 && answer.status < 300;
    return { status: answer.status, response: answer.text, failure: ok ? null : `HTTP ${answer.status}` };
  } catch (error) {
    return { status: null, response: null, failure: describeError(error) };
  }
}

function buildRequest(row: DeliveryRow): { url: string; headers: Record<string, string>; body: string } {
  const url = decryptSecret(row.target_ciphertext);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Stepwise-Alerts/1",
    "x-stepwise-idempotency-key": row.idempotency_key,
  };
  if (row.kind === "slack") return { url, headers, body: JSON.stringify(slackMessage(row)) };
  if (row.kind !== "webhook") throw new DeliveryError(`channel kind ${row.kind} is not deliverable`);
  const body = webhookBody(row);
  if (row.secret_ciphertext) headers["x-stepwise-signature"] = signBody(decryptSecret(row.secret_ciphertext), body);
  return { url, headers, body };
}
