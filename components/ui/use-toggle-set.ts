"use client";
import { useCallback, useState } from "react";

/** A set of ids the user opens and closes one by one (collapsed containers, collapsed timeline groups). */
export function useToggleSet(): [ReadonlySet<string>, (id: string) => void] {
  const [set, setSet] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((id: string) => {
    setSet((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  return [set, toggle];
}
