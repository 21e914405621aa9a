// The GraphQL client: same-origin POSTs to /graphql with the pasted token.

const TOKEN_KEY = 'coopgate.dashboard.token';

/** The token kept for this browser tab, if any. */
export function storedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Keeps (or, when empty, forgets) the token for this tab only. */
export function storeToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives only in memory */
  }
}

/** A request that failed: HTTP status and the first GraphQL error, if any. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What to show for a failed request: the message, with the error code when there is one. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return `${e.message}${e.code ? ` (${e.code})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/** Runs one operation; throws ApiError on HTTP or GraphQL errors. */
export async function gql<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP ${res.status}`, res.status);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, res.status, first.extensions?.code);
  if (!res.ok || body.data === undefined) throw new ApiError(`HTTP ${res.status}`, res.status);
  return body.data;
}

/** Runs `tasks` with at most `limit` in flight, keeping their order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
