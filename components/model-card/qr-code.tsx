/**
 * A QR code as inline SVG built from the qrcode package's module matrix (one path, no innerHTML), so it
 * prints as sharp as the text around it.
 */
import QRCode from "qrcode";

export function qrPath(value: string): { size: number; d: string } {
  const qr = QRCode.create(value, { errorCorrectionLevel: "M" });
  const size = qr.modules.size;
  let d = "";
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (qr.modules.get(row, col)) d += `M${col},${row}h1v1h-1z`;
    }
  }
  return { size, d };
}

export function QrCode({ value, label, className }: { value: string; label: string; className?: string }) {
  const { size, d } = qrPath(value);
  const quiet = 2;
  return (
    <svg
      className={className}
      viewBox={`${-quiet} ${-quiet} ${size + quiet * 2} ${size + quiet * 2}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect x={-quiet} y={-quiet} width={size + quiet * 2} height={size + quiet * 2} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
