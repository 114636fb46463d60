"use client";

import { QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { LiveProvider } from "@/components/live/live-provider";
import { createQueryClient } from "./query-client";

/** One QueryClient per tab, and the one live stream that keeps its queries fresh. */
export function QueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return (
    <QueryClientProvider client={client}>
      <LiveProvider>{children}</LiveProvider>
    </QueryClientProvider>
  );
}
