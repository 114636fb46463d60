import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" style={{ maxWidth: 640, margin: "64px auto", padding: 16 }}>
      <h1>Not found</h1>
      <p className="muted">There is nothing at this address. It may have been removed, or the link may be mistyped.</p>
      <p>
        <Link href="/pipelines">Go to pipelines</Link>
      </p>
    </main>
  );
}
