/**
 * The one way client components read the API: JSON with the response's own error message (the
 * `{ error: { message } }` shape of lib/api) or its status line, thrown as a FetchError with the status.
 */
export class FetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "FetchError";
  }
}

export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { headers: { accept: "application/json" }, signal });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new FetchError(response.status, body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

/** "?a=1&b=2" from the non-empty parameters, "" when there are none. */
export function queryString(params: Record<string, string>): string {
  const text = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "")).toString();
  return text ? `?${text}` : "";
}
