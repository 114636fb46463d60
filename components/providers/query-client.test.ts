/**
 * A query's result reaches its observers before any task queued when it settled runs: a component is not kept
 * waiting behind the page's other work (TanStack Query's default notifies from a `setTimeout` task).
 */
import { notifyManager, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { createQueryClient } from "./query-client";

describe("the browser's QueryClient", () => {
  const clients: { clear: () => void }[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.clear();
  });

  it("notifies observers in a microtask after the result settles, ahead of tasks queued meanwhile", async () => {
    const client = createQueryClient();
    clients.push(client);
    const order: string[] = [];
    let settle: (value: number[]) => void = () => {};
    const observer = new QueryObserver(client, {
      queryKey: ["series"],
      queryFn: () =>
        new Promise<number[]>((resolve) => {
          settle = resolve;
        }),
    });
    // As useQuery subscribes a component (useBaseQuery): through notifyManager.batchCalls, i.e. its scheduler.
    const notified = new Promise<void>((resolve) => {
      const unsubscribe = observer.subscribe(
        notifyManager.batchCalls(() => {
          if (observer.getCurrentResult().status !== "success") return;
          order.push("observer");
          unsubscribe();
          resolve();
        }),
      );
    });
    // Let the fetch start, then settle it and queue a task at once, as the page's other work would be.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const task = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push("task");
        resolve();
      }, 0),
    );
    settle([1, 2, 3]);
    await Promise.all([notified, task]);
    expect(order).toEqual(["observer", "task"]);
    expect(observer.getCurrentResult().data).toEqual([1, 2, 3]);
  });
});
