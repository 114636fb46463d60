"use client";
/**
 * Keeps a server-rendered models page current: on a live message for one of its topics (the sync
 * changed a model, or someone saved a card) it asks Next for a fresh render, at most twice a second.
 * The page's data stays in server components; only the signal travels (ids, never data).
 */
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef } from "react";
import { useLiveTopic } from "@/components/live/live-provider";

function Topic({ topic, onChange }: { topic: string; onChange: () => void }) {
  useLiveTopic(topic, onChange);
  return null;
}

export function LiveRefresh({ topics }: { topics: string[] }) {
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      router.refresh();
    }, 500);
  }, [router]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return (
    <>
      {topics.map((topic) => (
        <Topic key={topic} topic={topic} onChange={refresh} />
      ))}
    </>
  );
}
