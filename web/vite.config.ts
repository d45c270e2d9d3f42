import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

// The server serves the built files from dist/web at "/". `npx vite --config web/vite.config.ts`
// runs a development server that forwards API calls to an Inlet on port 8080.
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/integrations': 'http://127.0.0.1:8080',
    },
  },
});
