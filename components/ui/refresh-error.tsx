/** A live table keeps showing its last data when a refetch fails, and says so. */
export function RefreshError({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="muted">
      Could not refresh: {error.message}
    </p>
  );
}
