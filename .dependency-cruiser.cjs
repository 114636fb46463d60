/**
 * Import rules, written in ARCHITECTURE.md ("The map") and enforced by `npm run lint`
 * (test/import-rules.test.ts proves a violation is caught). Imports go down, never up or sideways into
 * another domain's internals: app/ → components/ → lib/<domain> → lib/db. A domain reaches another
 * only through the public modules named in PUBLIC below.
 */

/** The modules of lib/<domain>/ other domains may import (everything else is the domain's own). */
const PUBLIC = [
  // every domain's entry point, zod schemas, OpenAPI registration, permissions and test fixtures
  "^lib/[^/]+/(index|schema|openapi|permissions|testing)\\.tsx?$",
  // shared infrastructure: the database, generated Prisma client, the embedded runtime
  "^lib/db/",
  "^lib/generated/",
  // auth: the principal and how to get it; config; per-request context; sessions and tokens
  "^lib/auth/(principal|current|config|request-context|session|tokens|authenticate)\\.ts$",
  // audit: writing rows, failed credentials, retention
  "^lib/audit/(log|failed-credentials|retention|request-context|client-address)\\.ts$",
  // the API wrapper and its request limits (lib/dal shares them with pages)
  "^lib/api/(handler|limits|csv)\\.ts$",
  // who may frame the embeddable views (the session cookie's SameSite follows it)
  "^lib/embed/frame-ancestors\\.ts$",
  // the live feed: the change sink and NOTIFY channel writers use
  "^lib/live/notify\\.ts$",
  "^lib/admin/settings\\.ts$",
  "^lib/metrics/(direction|precision|regression)\\.ts$",
  // pure helpers other domains share: run URLs, instance prices
  "^lib/runs/links\\.ts$",
  "^lib/runs/search/index\\.ts$",
  "^lib/models/pricing\\.ts$",
  // domain read functions (lib/dal wraps them for pages)
  "^lib/(pipelines|runs|models|changes|alerts|views)/queries\\.ts$",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "components-no-db-or-sync",
      comment: "Components read through lib/dal and route handlers; they never reach the database or the sync.",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^lib/(db(\\.ts$|/)|sync/|generated/)" },
    },
    {
      name: "lib-not-up",
      comment: "lib/ is below app/ and components/: it never imports them (tests may call route handlers).",
      severity: "error",
      from: { path: "^lib/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "no-domain-internals",
      comment: "A domain uses another through its public modules only (PUBLIC in .dependency-cruiser.cjs).",
      severity: "error",
      from: { path: "^lib/([^/]+)/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^lib/[^/]+/", pathNot: ["^lib/$1/", ...PUBLIC] },
    },
    {
      name: "lib-root-not-into-domains",
      comment: "lib/*.ts (db, log, errors) are the bottom layer; health.ts reads the sync through its entry point.",
      severity: "error",
      from: { path: "^lib/[^/]+\\.ts$", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^lib/[^/]+/", pathNot: ["^lib/generated/", "^lib/db/", "^lib/sync/index\\.ts$"] },
    },
    {
      name: "no-circular",
      comment: "Modules do not import each other in a circle.",
      severity: "error",
      from: { path: "^lib/", pathNot: "\\.test\\.tsx?$" },
      to: { circular: true, viaOnly: { pathNot: "\\.test\\.tsx?$" } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|lib/generated|\\.next|\\.data|bench/results)" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
