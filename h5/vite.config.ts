import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { bundleReport } from './build/bundle-report';

/**
 * One Vite project, one SPA with three lazily loaded apps (member center, sales sidebar, console)
 * under /h5/. The server serves h5/dist with a history fallback; `vite dev` proxies the API to the
 * local server so the pages can be worked on with hot reload.
 */
const root = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');

export default defineConfig({
  root,
  base: '/h5/',
  plugins: [vue(), bundleReport(root)],
  // vue-i18n's bundler build: Composition API only, no global <i18n-t> components, no devtools. Its
  // message compiler stays (the locale files are JSON strings) and compiles just in time to an AST,
  // with no eval or new Function, so the production CSP holds.
  define: {
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
