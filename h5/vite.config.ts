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
