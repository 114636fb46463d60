/**
 * Writing cards (real Postgres): every save is a new immutable revision with its author; only members
 * of the owning team (or admins) can save (403 / AppError forbidden, also through the API route); only
 * reviewers (or admins) approve; a stale editor gets 409; the workflow refuses impossible transitions.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as saveRevisionRoute } from "@/app/api/v1/models/[modelId]/versions/[version]/card/revisions/route";
import { GET as getCardRoute } from "@/app/api/v1/models/[modelId]/versions/[version]/card/route";
import { GET as listRoute } from "@/app/api/v1/models/route";
import { SafeMarkdown } from "@/components/model-card/markdown";
import { getSetting, setSetting } from "@/lib/admin/settings";
import { expectAppError, routeContext } from "@/lib/api/testing";
import type { Principal } from "@/lib/auth/principal";
import { createTestPrincipal, createTestToken, createTestUser } from "@/lib/auth/testing";
import { sql } from "@/lib/db";
import { diffCardContent } from "./diff";
import { registerModelPaths } from "./openapi";
import { availableTransitions, canApproveModelCard, canEditModelCard, ownerRef } from "./permissions";
import { getModel, getModelCard } from "./queries";
import { saveCardRevision } from "./save-card-revision";
import { CardEditForm, type CardNarrative } from "./schema";
import { setCardStatus } from "./set-card-status";
import { type SeededModel, seedImportedCard, seedModel } from "./testing";

describe("card revisions and permissions", () => {
  let model: SeededModel;
  let member: Principal;
  let memberCookie: string;
  let outsider: Principal;
  let outsiderCookie: string;
  let reviewer: Principal;
  let admin: Principal;

  beforeAll(async () => {
    model = await seedModel();
    await seedImportedCard(model.versions[0]?.versionId ?? 0, {
      intendedUses: "Imported intended use.",
      sagemaker: { model_overview: { model_owner: "x" } },
    });
    const m = await createTestUser({ teams: [{ slug: model.teamSlug }] });
    ({ principal: member, cookie: memberCookie } = await createTestPrincipal(m.user.id));
    const o = await createTestUser({ teams: [{ slug: `other-${model.teamSlug}` }] });
    ({ principal: outsider, cookie: outsiderCookie } = await createTestPrincipal(o.user.id));
    const r = await createTestUser({ teams: [{ slug: model.teamSlug, role: "REVIEWER" }] });
    ({ principal: reviewer } = await createTestPrincipal(r.user.id));
    const a = await createTestUser({ isAdmin: true });
    ({ principal: admin } = await createTestPrincipal(a.user.id));
  });

  const content = (extra: Partial<CardNarrative>): CardNarrative => ({
    intendedUses: "Imported intended use.",
    ...extra,
  });

  it("appends immutable revisions with their author and keeps the imported content", async () => {
    const before = await sql<{ id: number; content: unknown; created_at: Date }>(
      `SELECT r.id, r.content, r.created_at FROM model_card_revision r JOIN model_card c ON c.id = r.card_id
        WHERE c.model_version_id = $1 ORDER BY r.revision`,
      [model.versions[0]?.versionId],
    );
    const saved = await saveCardRevision({
      principal: member,
      input: {
        modelId: model.modelId,
        version: 1,
        baseRevision: 1,
        note: "cold start",
        content: content({ limitations: "Cold-start customers get generic advice." }),
      },
    });
    expect(saved).toMatchObject({ revision: 2, status: "DRAFT" });

    const rows = await sql<{
      revision: number;
      content: Record<string, unknown>;
      author_id: string | null;
      note: string;
    }>(
      `SELECT r.revision, r.content, r.author_id, r.note FROM model_card_revision r JOIN model_card c ON c.id = r.card_id
        WHERE c.model_version_id = $1 ORDER BY r.revision`,
      [model.versions[0]?.versionId],
    );
    expect(rows.map((r) => r.revision)).toEqual([1, 2]);
    // Revision 1 is untouched, byte for byte.
    const first = await sql<{ id: number; content: unknown; created_at: Date }>(
      "SELECT id, content, created_at FROM model_card_revision WHERE id = $1",
      [before[0]?.id],
    );
    expect(first).toEqual(before);
    expect(rows[1]?.author_id).toBe(member.user.id);
    expect(rows[1]?.note).toBe("cold start");
    expect(rows[1]?.content.limitations).toBe("Cold-start customers get generic advice.");
    expect(rows[1]?.content.sagemaker).toEqual({ model_overview: { model_owner: "x" } });

    const card = await getModelCard({ modelId: model.modelId, version: 1 });
    expect(card?.latestRevision).toBe(2);
    expect(card?.narrative.limitations).toBe("Cold-start customers get generic advice.");
    expect(card?.revisions[0]).toMatchObject({ revision: 2, author: member.user.name, note: "cold start" });

    const diff = diffCardContent(rows[0]?.content, rows[1]?.content);
    expect(diff.map((d) => d.key)).toEqual(["limitations"]);
    expect(diff[0]?.parts).toEqual([
      { value: "Cold-start customers get generic advice.", added: true, removed: false },
    ]);
  });

  it("refuses a non-member (403) before writing anything, also through the API", async () => {
    await expectAppError(
      saveCardRevision({
        principal: outsider,
        input: { modelId: model.modelId, version: 2, baseRevision: 0, content: content({ limitations: "x" }) },
      }),
      "forbidden",
    );
    const cards = await sql("SELECT 1 FROM model_card WHERE model_version_id = $1", [model.versions[1]?.versionId]);
    expect(cards).toEqual([]);

    const url = `http://localhost/api/v1/models/${model.modelId}/versions/2/card/revisions`;
    const body = JSON.stringify({ baseRevision: 0, content: { limitations: "y" } });
    const denied = await saveRevisionRoute(
      new Request(url, {
        method: "POST",
        body,
        headers: { cookie: outsiderCookie, "content-type": "application/json" },
      }),
      routeContext({ modelId: String(model.modelId), version: "2" }),
    );
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: "forbidden" } });

    const created = await saveRevisionRoute(
      new Request(url, { method: "POST", body, headers: { cookie: memberCookie, "content-type": "application/json" } }),
      routeContext({ modelId: String(model.modelId), version: "2" }),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ revision: 1, status: "DRAFT" });
  });

  it("refuses a stale editor (409) and an edit that changes nothing", async () => {
    await expectAppError(
      saveCardRevision({
        principal: member,
        input: { modelId: model.modelId, version: 1, baseRevision: 1, content: content({ limitations: "late" }) },
      }),
      "conflict",
    );
    const card = await getModelCard({ modelId: model.modelId, version: 1 });
    await expectAppError(
      saveCardRevision({
        principal: member,
        input: {
          modelId: model.modelId,
          version: 1,
          baseRevision: card?.latestRevision ?? 0,
          content: card?.narrative ?? {},
        },
      }),
      "bad_request",
    );
  });

  it("lets only reviewers approve, and sends an edited approved card back to draft", async () => {
    const card = await getModelCard({ modelId: model.modelId, version: 1 });
    const base = card?.latestRevision ?? 0;
    const ref = { modelId: model.modelId, version: 1 };
    await expectAppError(
      setCardStatus({ principal: member, input: { ...ref, status: "APPROVED", baseRevision: base } }),
      "conflict",
    );
    const submitted = await setCardStatus({
      principal: member,
      input: { ...ref, status: "PENDING_REVIEW", baseRevision: base },
    });
    expect(submitted).toMatchObject({ revision: base + 1, status: "PENDING_REVIEW" });
    // A member of the team cannot approve; neither can an outsider; a reviewer can.
    await expectAppError(
      setCardStatus({ principal: member, input: { ...ref, status: "APPROVED", baseRevision: base + 1 } }),
      "forbidden",
    );
    await expectAppError(
      setCardStatus({ principal: outsider, input: { ...ref, status: "APPROVED", baseRevision: base + 1 } }),
      "forbidden",
    );
    const approved = await setCardStatus({
      principal: reviewer,
      input: { ...ref, status: "APPROVED", baseRevision: base + 1 },
    });
    expect(approved.status).toBe("APPROVED");
    const after = await getModelCard(ref);
    expect(after?.identity.cardStatus).toBe("APPROVED");
    expect(after?.revisions[0]).toMatchObject({ status: "APPROVED", author: reviewer.user.name });
    // Reviewers review; they do not write the narrative.
    await expectAppError(
      saveCardRevision({
        principal: reviewer,
        input: { ...ref, baseRevision: base + 2, content: content({ limitations: "reviewer text" }) },
      }),
      "forbidden",
    );
    const edited = await saveCardRevision({
      principal: admin,
      input: { ...ref, baseRevision: base + 2, content: { ...after?.narrative, limitations: "Admin clarified." } },
    });
    expect(edited.status).toBe("DRAFT");
  });

  it("tells the page which buttons to show", () => {
    const team = { teamId: model.teamId };
    expect(canEditModelCard(member.user, team)).toBe(true);
    expect(canEditModelCard(outsider.user, team)).toBe(false);
    expect(canEditModelCard(reviewer.user, team)).toBe(false);
    expect(canApproveModelCard(reviewer.user, team)).toBe(true);
    expect(canApproveModelCard(member.user, team)).toBe(false);
    expect(canApproveModelCard(admin.user, team)).toBe(true);
    expect(availableTransitions(reviewer.user, { ...team, status: "PENDING_REVIEW" }).map((t) => t.to)).toEqual([
      "APPROVED",
      "DRAFT",
    ]);
    expect(availableTransitions(member.user, { ...team, status: "PENDING_REVIEW" }).map((t) => t.to)).toEqual([
      "DRAFT",
    ]);
    expect(availableTransitions(outsider.user, { ...team, status: "DRAFT" })).toEqual([]);
  });

  it("gives the page the same answers from the team the API names by its slug (no numeric id in the answer)", async () => {
    const detail = await getModel({ modelId: model.modelId });
    expect(detail?.team).toEqual({ id: model.teamSlug, slug: model.teamSlug, name: expect.any(String) });
    const owners = detail?.team ?? null;
    expect(canEditModelCard(member.user, ownerRef(member.user, owners))).toBe(true);
    expect(canEditModelCard(outsider.user, ownerRef(outsider.user, owners))).toBe(false);
    expect(canEditModelCard(reviewer.user, ownerRef(reviewer.user, owners))).toBe(false);
    expect(canApproveModelCard(reviewer.user, ownerRef(reviewer.user, owners))).toBe(true);
    expect(canApproveModelCard(member.user, ownerRef(member.user, owners))).toBe(false);
    expect(canEditModelCard(admin.user, ownerRef(admin.user, owners))).toBe(true);
    expect(canApproveModelCard(admin.user, ownerRef(admin.user, owners))).toBe(true);
    expect(canEditModelCard(member.user, ownerRef(member.user, null))).toBe(false);
  });

  it("validates the edit form: thresholds lines, field sizes", () => {
    const ok = CardEditForm.safeParse({
      modelId: "1",
      version: "2",
      baseRevision: "0",
      limitations: "  text  ",
      thresholds: "validation:auc >= 0.6\ntrain:loss <= 0.5",
      riskRating: "High",
    });
    expect(ok.success && ok.data.content).toMatchObject({
      limitations: "text",
      riskRating: "High",
      metricThresholds: [
        { metric: "validation:auc", op: ">=", value: 0.6 },
        { metric: "train:loss", op: "<=", value: 0.5 },
      ],
    });
    expect(
      CardEditForm.safeParse({ modelId: "1", version: "2", baseRevision: "0", thresholds: "auc > high" }).success,
    ).toBe(false);
    expect(
      CardEditForm.safeParse({ modelId: "1", version: "2", baseRevision: "0", limitations: "x".repeat(20_001) })
        .success,
    ).toBe(false);
    expect(
      CardEditForm.safeParse({ modelId: "1", version: "2", baseRevision: "0", riskRating: "Extreme" }).success,
    ).toBe(false);
  });

  it("serves the card and the list as JSON through the read API, session or token", async () => {
    const { token } = await createTestToken({ userId: outsider.user.id });
    const response = await getCardRoute(
      new Request(`http://localhost/api/v1/models/${model.modelId}/versions/1/card`, {
        headers: { authorization: `Bearer ${token}` },
      }),
      routeContext({ modelId: String(model.modelId), version: "1" }),
    );
    expect(response.status).toBe(200);
    const card = await response.json();
    expect(card).toMatchObject({
      model: { id: model.modelId },
      version: 1,
      lineage: { pipeline: { name: model.pipeline.name } },
    });

    const missing = await getCardRoute(
      new Request("http://localhost/api/v1/models/1/versions/x/card", {
        headers: { authorization: `Bearer ${token}` },
      }),
      routeContext({ modelId: "1", version: "x" }),
    );
    expect(missing.status).toBe(400);

    const list = await listRoute(
      new Request(`http://localhost/api/v1/models?team=${model.teamSlug}`, { headers: { cookie: outsiderCookie } }),
    );
    expect(list.status).toBe(200);
    expect((await list.json()).models.map((m: { id: number }) => m.id)).toEqual([model.modelId]);
  });

  it("describes the models API in OpenAPI", () => {
    const registry = new OpenAPIRegistry();
    registerModelPaths(registry, [{ bearerToken: [] }]);
    const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
    });
    expect(Object.keys(doc.paths ?? {})).toEqual([
      "/api/v1/models",
      "/api/v1/models/{modelId}",
      "/api/v1/models/{modelId}/versions/{version}/card",
      "/api/v1/models/{modelId}/versions/{version}/card/revisions",
      "/api/v1/models/{modelId}/versions/{version}/card/status",
    ]);
    expect(doc.components?.schemas?.ModelCard).toBeDefined();
  });
});

describe("four eyes on approval", () => {
  it("refuses approval to the author of the latest content, even after someone else's status change; an admin setting relaxes it", async () => {
    const fresh = await seedModel();
    const ref = { modelId: fresh.modelId, version: 1 };
    const [writer, colleague, member] = await Promise.all([
      createTestUser({ isAdmin: true }).then(({ user }) => createTestPrincipal(user.id)),
      createTestUser({ isAdmin: true }).then(({ user }) => createTestPrincipal(user.id)),
      createTestUser({ teams: [{ slug: fresh.teamSlug }] }).then(({ user }) => createTestPrincipal(user.id)),
    ]);
    await saveCardRevision({
      principal: writer.principal,
      input: { ...ref, baseRevision: 0, content: { limitations: "Written by the writer." } },
    });
    // Someone else submits: a status change copies the content, it does not make them its author.
    await setCardStatus({
      principal: colleague.principal,
      input: { ...ref, status: "PENDING_REVIEW", baseRevision: 1 },
    });
    await expectAppError(
      setCardStatus({ principal: writer.principal, input: { ...ref, status: "APPROVED", baseRevision: 2 } }),
      "forbidden",
    );
    expect((await getModelCard(ref))?.identity.cardStatus).toBe("PENDING_REVIEW");
    const approved = await setCardStatus({
      principal: colleague.principal,
      input: { ...ref, status: "APPROVED", baseRevision: 2 },
    });
    expect(approved.status).toBe("APPROVED");

    // The colleague now edits the content: the colleague is the author, the writer may approve.
    await saveCardRevision({
      principal: colleague.principal,
      input: { ...ref, baseRevision: 3, content: { limitations: "Rewritten by the colleague." } },
    });
    await setCardStatus({ principal: member.principal, input: { ...ref, status: "PENDING_REVIEW", baseRevision: 4 } });
    await expectAppError(
      setCardStatus({ principal: colleague.principal, input: { ...ref, status: "APPROVED", baseRevision: 5 } }),
      "forbidden",
    );

    // Only an admin may relax the rule, and it is audited; relaxed, the author may approve.
    await expectAppError(
      setSetting({ key: "model_card.four_eyes", value: false, principal: member.principal }),
      "forbidden",
    );
    await setSetting({ key: "model_card.four_eyes", value: false, principal: writer.principal });
    try {
      expect(await getSetting("model_card.four_eyes")).toBe(false);
      const own = await setCardStatus({
        principal: colleague.principal,
        input: { ...ref, status: "APPROVED", baseRevision: 5 },
      });
      expect(own.status).toBe("APPROVED");
      const audit = await sql<{ action: string; details: unknown }>(
        "SELECT action, details FROM audit_log WHERE actor_id = $1 AND action = 'setting.update'",
        [writer.principal.user.id],
      );
      expect(audit).toEqual([{ action: "setting.update", details: { from: true, to: false } }]);
    } finally {
      await setSetting({ key: "model_card.four_eyes", value: true, principal: writer.principal });
    }
    expect(await getSetting("model_card.four_eyes")).toBe(true);
  });
});

describe("narrative Markdown", () => {
  it("renders Markdown and shows HTML and scripts as text, never as markup", () => {
    const html = renderToStaticMarkup(
      createElement(
        SafeMarkdown,
        null,
        '**Bold** <script>alert("x")</script> <img src=x onerror="alert(1)"> [link](javascript:alert(1))\n\n# Heading',
      ),
    );
    expect(html).toContain("<strong>Bold</strong>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/href="javascript:/i);
    // Headings inside a field sit below the card's own section headings.
    expect(html).toMatch(/<h4[^>]*>Heading<\/h4>/);
    expect(html).not.toContain("<h1");
  });
});
