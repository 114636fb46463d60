import { RulesQuery } from "@/lib/alerts/api-schema";
import { createRule, listRules } from "@/lib/alerts/manage";
import { RuleBody } from "@/lib/alerts/schema";
import { withApi } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

export const GET = withApi({ scope: "read", query: RulesQuery }, async ({ query }) => ({
  rules: await listRules(query),
}));

/** Members of the owning team (admins for global rules); audited by withApi. */
export const POST = withApi(
  { scope: "write", body: RuleBody, action: "alert_rule.create" },
  async ({ body, principal, auditTarget }) => {
    auditTarget({ type: "alert_rule", id: body.name, details: { kind: body.kind, team: body.team ?? null } });
    const rule = await createRule(principal, body);
    auditTarget({ type: "alert_rule", id: String(rule.id), details: { kind: rule.kind, team: rule.team } });
    return rule;
  },
);
