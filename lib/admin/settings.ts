/**
 * Settings admins change at runtime (the Admin page, `app_setting` rows), each change audited. A
 * setting nobody has changed reads as its default. Declared here, once: key, default, schema, label.
 */
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import { assertAdmin } from "@/lib/auth/permissions";
import { auditVia, type Principal } from "@/lib/auth/principal";
import { sql } from "@/lib/db";

export const SETTINGS = {
  /** Approving a model card is refused to the author of its latest content revision. */
  "model_card.four_eyes": {
    default: true,
    schema: z.boolean(),
    label: "Four eyes on model cards: the author of a card's latest content cannot approve it",
  },
} as const;

export type SettingKey = keyof typeof SETTINGS;
type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]["schema"]>;

/** The setting's value (its default until an admin changes it): one SQL statement. */
export async function getSetting<K extends SettingKey>(key: K): Promise<SettingValue<K>> {
  const rows = await sql<{ value: unknown }>("SELECT value FROM app_setting WHERE key = $1", [key]);
  const parsed = SETTINGS[key].schema.safeParse(rows[0]?.value);
  return (parsed.success ? parsed.data : SETTINGS[key].default) as SettingValue<K>;
}

/** Every setting with its value, for the Admin page. */
export async function listSettings(): Promise<{ key: SettingKey; label: string; value: unknown }[]> {
  const rows = await sql<{ key: string; value: unknown }>("SELECT key, value FROM app_setting");
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  return (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const parsed = SETTINGS[key].schema.safeParse(stored.get(key));
    return { key, label: SETTINGS[key].label, value: parsed.success ? parsed.data : SETTINGS[key].default };
  });
}

/** Admins only (403 otherwise); the change and who made it go to the audit log. */
export async function setSetting<K extends SettingKey>({
  key,
  value,
  principal,
}: {
  key: K;
  value: SettingValue<K>;
  principal: Principal;
}): Promise<void> {
  assertAdmin(principal);
  const before = await getSetting(key);
  await sql(
    `INSERT INTO app_setting (key, value, updated_by, updated_at) VALUES ($1, $2::jsonb, $3, now() AT TIME ZONE 'UTC')
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
                                     updated_at = excluded.updated_at`,
    [key, JSON.stringify(value), principal.user.id],
  );
  await recordAudit({
    actor: principal.user,
    via: auditVia(principal),
    action: "setting.update",
    targetType: "setting",
    targetId: key,
    outcome: "ok",
    details: { from: before, to: value },
  });
}
