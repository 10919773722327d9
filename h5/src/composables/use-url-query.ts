import { computed, type ComputedRef } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';

/** The page sizes a console table offers; 20 is the default and is left out of the URL. */
export const PAGE_SIZES = [20, 50, 100];

/** One query parameter as a non-empty string, or undefined. */
export function queryText(q: LocationQuery, key: string): string | undefined {
  const v = q[key];
  return typeof v === 'string' && v ? v : undefined;
}

/** The page and page size a URL asks for, within what the table offers. */
export function queryPage(q: LocationQuery): { page: number; pageSize: number } {
  const size = Number(queryText(q, 'pageSize'));
  return { page: Math.max(1, Number(queryText(q, 'page') ?? 1) || 1), pageSize: PAGE_SIZES.includes(size) ? size : PAGE_SIZES[0] };
}

/**
 * A console table's state — filters, sort, page — lives in the URL, so a view can be bookmarked, shared
 * and reloaded. `parse` reads it; `setQuery` changes part of it (back to page 1 unless `resetPage` is
 * false), drops empty values and defaults, and keeps the parameters named in `keep` (e.g. an open drawer).
 */
export function useUrlQuery<Q extends object>(
  routeName: string,
  parse: (q: LocationQuery) => Q,
  keep: string[] = [],
): { query: ComputedRef<Q>; setQuery(change: Partial<Q>, resetPage?: boolean): void } {
  const route = useRoute();
  const router = useRouter();
  const query = computed(() => parse(route.query));
  function setQuery(change: Partial<Q>, resetPage = true) {
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...query.value, ...(resetPage ? { page: 1 } : {}), ...change } as Record<string, unknown>)) {
      if (v !== undefined && v !== '' && v !== null) next[k] = String(v);
    }
    if (next.page === '1') delete next.page;
    if (next.pageSize === String(PAGE_SIZES[0])) delete next.pageSize;
    for (const k of keep) if (typeof route.query[k] === 'string') next[k] = route.query[k] as string;
    void router.replace({ name: routeName, query: next });
  }
  return { query, setQuery };
}
