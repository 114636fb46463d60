"use client";
import { type RefObject, useEffect, useRef } from "react";

/**
 * Ctrl (⌘) + wheel over the element zooms it through `onZoom` instead of zooming the page. A native,
 * non-passive listener: React's wheel listeners are passive and cannot prevent the browser's default.
 * The latest `onZoom` is always the one called, so it may close over current state.
 */
export function useCtrlWheel(
  ref: RefObject<HTMLElement | null>,
  onZoom: (event: WheelEvent, element: HTMLElement) => void,
): void {
  const handler = useRef(onZoom);
  handler.current = onZoom;
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      handler.current(event, element);
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, [ref]);
}
