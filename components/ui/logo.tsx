/** The Stepwise mark: three steps of a staircase. Decorative; the product name is always beside it. */
export function Logo({ size = 20 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <rect x="1" y="13" width="6" height="6" rx="1.5" fill="currentColor" opacity="0.45" />
      <rect x="7" y="7" width="6" height="12" rx="1.5" fill="currentColor" opacity="0.7" />
      <rect x="13" y="1" width="6" height="18" rx="1.5" fill="currentColor" />
    </svg>
  );
}
