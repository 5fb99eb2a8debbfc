import { defineConfig } from "vite";

// Relative asset URLs: the indexer serves the bundle at `/`, and it also works from any sub-path.
export default defineConfig({
  base: "./",
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
});
