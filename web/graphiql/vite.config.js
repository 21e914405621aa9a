// Builds the IDE coopgate embeds: everything under /graphql/assets/, hashed
// names, minified, no source maps, nothing loaded from another origin.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/graphql/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    minify: true,
    // Fonts and icons become files, never data: URLs inside scripts.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 8192,
    rolldownOptions: {
      // React libraries' "use client" directives mean nothing in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
