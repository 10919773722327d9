import { ref, shallowRef, type Ref } from 'vue';
import { showToast } from 'vant';
import { ApiError } from '../api/http';
import { lang, t } from './use-i18n';
import { refusalInChinese } from '../modules/refusals';

/** A load with its three visible states; every page shows loading, error (with retry) and empty. */
export interface AsyncState<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  status: Ref<number | null>;
  run(): Promise<void>;
}

/**
 * The server explains refusals in English (its API is for integrators too), except request validation,
 * which it words in the language this page sends (api/http.ts). Every refusal a person can meet is said
 * again here in Chinese by its code (tests/unit/error-messages.test.ts); an unknown code keeps the
 * server's words, which say exactly what to fix.
 */
function localised(err: ApiError): string | null {
  return lang.value === 'zh' ? refusalInChinese(err) : null;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('common.network');
    const said = localised(err);
    if (said) return said;
    // A specific refusal (e.g. "no staff account is linked to WeCom user …") tells the person what to do.
    if (err.status === 403) return err.code === 'FORBIDDEN' ? t('common.forbidden') : `${t('common.forbidden')}：${err.message}`;
    if (err.status === 404) return t('common.notFound');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function useAsync<T>(load: () => Promise<T>, options: { immediate?: boolean } = {}): AsyncState<T> {
  const data = shallowRef<T | undefined>(undefined) as Ref<T | undefined>;
  const loading = ref(false);
  const error = ref<string | null>(null);
  const status = ref<number | null>(null);
  let seq = 0;
  async function run() {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    status.value = null;
    try {
      const value = await load();
      if (mine === seq) data.value = value;
    } catch (err) {
      if (mine !== seq) return;
      error.value = errorMessage(err);
      status.value = err instanceof ApiError ? err.status : null;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  if (options.immediate !== false) void run();
  return { data, loading, error, status, run };
}

/**
 * What a button does: `busy` while it runs (bind it to the button's loading/disabled), a failure shown
 * as a toast with the server's message; resolves true when the work succeeded. A second press while
 * busy does nothing.
 */
export function useAction(): { busy: Ref<boolean>; run(work: () => Promise<unknown>): Promise<boolean> } {
  const busy = ref(false);
  async function run(work: () => Promise<unknown>): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    try {
      await work();
      return true;
    } catch (err) {
      showToast(errorMessage(err));
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, run };
}
