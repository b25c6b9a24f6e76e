/**
 * A Vite build plugin that puts the page's script and stylesheet inside index.html, so the
 * built page is one self-contained file: it works from any static server, and also opened
 * straight from disk (browsers refuse to load module scripts from file:// URLs, but an
 * inline module runs).
 */
import type { Plugin } from 'vite';

export function inlineIntoHtml(): Plugin {
  return {
    name: 'kindling:inline-into-html',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const html of Object.values(bundle)) {
        if (html.type !== 'asset' || !html.fileName.endsWith('.html')) continue;
        let source = String(html.source);
        const file = (ref: string) => Object.keys(bundle).find((k) => ref.replace(/^\.?\//, '') === k);
        source = source.replace(/<script type="module"[^>]*\ssrc="([^"]+)"[^>]*><\/script>/g, (tag, ref: string) => {
          const key = file(ref);
          const chunk = key ? bundle[key] : undefined;
          if (!key || chunk?.type !== 'chunk') return tag;
          delete bundle[key];
          // "</script" inside the code would end the element early; the replacer's result is used literally.
          return `<script type="module">${chunk.code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
        }).replace(/<link rel="stylesheet"[^>]*\shref="([^"]+)"[^>]*>/g, (tag, ref: string) => {
          const key = file(ref);
          const asset = key ? bundle[key] : undefined;
          if (!key || asset?.type !== 'asset') return tag;
          delete bundle[key];
          return `<style>${String(asset.source)}</style>`;
        });
        html.source = source;
      }
    },
  };
}
