/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

// The ASP.NET server serves this folder at `/` (SPA fallback to index.html).
const outDir = '../src/Therese.Server/wwwroot';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      // lowlight's entry also re-exports every highlight.js grammar (`all`, `common`). The bundler then puts all 190 of
      // them into lowlight's chunk (906 KB, evaluated by the first answer that needs Markdown) instead of one chunk per
      // grammar loaded on first use (src/markdown/grammars.ts). Its createLowlight alone is what the page uses.
      lowlight: fileURLToPath(new URL('./node_modules/lowlight/lib/index.js', import.meta.url)),
    },
  },
  build: {
    outDir,
    emptyOutDir: true,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:17293', changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
