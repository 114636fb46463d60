/**
 * The left and bottom axes of Stepwise's small charts (model-card charts, a training job's curve): numeric
 * scales, a few ticks, 10 px labels. `ink` draws them in the text colour (the model card, which prints in
 * black); `muted` in the border and muted-text colours of the screen's theme.
 */
import { AxisBottom, AxisLeft, type AxisScale } from "@visx/axis";

const FONT = 10;
const INK = {
  line: "currentColor",
  left: { fill: "currentColor", fontSize: FONT, fontFamily: "inherit", textAnchor: "end", dx: -4, dy: 3 },
  bottom: { fill: "currentColor", fontSize: FONT, fontFamily: "inherit", textAnchor: "middle", dy: 2 },
} as const;
const MUTED = {
  line: "var(--border)",
  left: { fill: "var(--text-muted)", fontSize: FONT, textAnchor: "end", dx: "-0.25em", dy: "0.3em" },
  bottom: { fill: "var(--text-muted)", fontSize: FONT, textAnchor: "middle" },
} as const;

export function ChartAxes({
  x,
  y,
  height,
  xTicks,
  yTicks = 4,
  formatX,
  formatY,
  tone,
  xLabel,
}: {
  x: AxisScale<number>;
  y: AxisScale<number>;
  /** The plot's inner height: where the bottom axis sits. */
  height: number;
  xTicks: number;
  /** Default 4. */
  yTicks?: number;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
  tone: "ink" | "muted";
  xLabel?: string;
}) {
  const look = tone === "ink" ? INK : MUTED;
  return (
    <>
      <AxisLeft
        scale={y}
        numTicks={yTicks}
        tickFormat={(v) => formatY(Number(v))}
        stroke={look.line}
        tickStroke={look.line}
        tickLabelProps={() => look.left}
      />
      <AxisBottom
        top={height}
        scale={x}
        numTicks={xTicks}
        tickFormat={(v) => formatX(Number(v))}
        stroke={look.line}
        tickStroke={look.line}
        tickLabelProps={() => look.bottom}
        label={xLabel}
        labelProps={{ fill: look.bottom.fill, fontSize: FONT, textAnchor: "middle" }}
      />
    </>
  );
}
