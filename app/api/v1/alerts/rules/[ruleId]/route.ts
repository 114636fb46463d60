import { RuleIdParams } from "@/lib/alerts/api-schema";
import { deleteRule, getRule, updateRule } from "@/lib/alerts/manage";
import { RuleBody } from "@/lib/alerts/schema";
import { withApi } from "@/lib/api/handler";
import { notFound } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", params: RuleIdParams }, async ({ params }) => {
  const rule = await getRule(params.ruleId);
  if (!rule) throw notFound(`No rule ${params.ruleId}.`);
  return rule;
});

/** Replaces the rule's settings (mute, quiet hours, channels …); owning-team members and admins; audited. */
export const PUT = withApi(
  { scope: "write", params: RuleIdParams, body: RuleBody, action: "alert_rule.update" },
  async ({ params, body, principal, auditTarget }) => {
    auditTarget({
      type: "alert_rule",
      id: String(params.ruleId),
      details: { enabled: body.enabled, mutedUntil: body.mutedUntil ?? null },
    });
    return updateRule(principal, params.ruleId, body);
  },
);

export const DELETE = withApi(
  { scope: "write", params: RuleIdParams, action: "alert_rule.delete" },
  async ({ params, principal, auditTarget }) => {
    auditTarget({ type: "alert_rule", id: String(params.ruleId) });
    await deleteRule(principal, params.ruleId);
    return { deleted: true };
  },
);
