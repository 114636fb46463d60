/**
 * The @page rule of a printed card: size auto (the printer's A4 or Letter), margins, and the running
 * header and footer (model, version, status, print date, URL, "Page n of m") as CSS page-margin boxes,
 * which Chromium prints since version 131. The server PDF passes `marginBoxes={false}` because it
 * draws the same header and footer with Chromium's header/footer templates (lib/models/pdf.ts).
 */

/** A CSS string literal that cannot end the string, the rule or the <style> element. */
export function cssString(value: string): string {
  return `"${value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[\r\n]+/g, " ")
    .replace(/</g, "\\3C ")}"`;
}

export function PrintRules({
  running,
  footer,
  marginBoxes = true,
}: {
  running: string;
  footer: string;
  marginBoxes?: boolean;
}) {
  const font = "font: 8pt system-ui, sans-serif; color: #333;";
  const boxes = marginBoxes
    ? `
  @top-left { content: ${cssString(running)}; ${font} }
  @top-right { content: "Stepwise model card"; ${font} }
  @bottom-left { content: ${cssString(footer)}; ${font} font-size: 7.5pt; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); ${font} }`
    : "";
  // Paper is white whatever the screen theme (the body's tinted background would print on every page).
  const paper = "@media print { html, body { background: #fff !important; color: #000; } }";
  return <style>{`@page {\n  size: auto;\n  margin: 16mm 14mm 18mm 14mm;${boxes}\n}\n${paper}`}</style>;
}
