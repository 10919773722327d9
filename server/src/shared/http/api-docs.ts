import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import Router from '@koa/router';

/**
 * The browsable API reference at /api/docs: Swagger UI (swagger-ui-dist, served from node_modules —
 * no CDN, so it works offline and leaks no visitor to a third party) reading /api/openapi.json. The
 * page has no inline script (its start-up is /api/docs/init.js), so the pages' CSP holds unchanged.
 */
const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SCRM API reference</title>
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false, persistAuthorization: false });\n`;

export function apiDocsRouter(): Router {
  const router = new Router();
  router.get('/api/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });
  router.get('/api/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = INIT;
  });
  const cache = new Map<string, Buffer>();
  router.get('/api/docs/:asset', async (ctx, next) => {
    const name = String(ctx.params.asset);
    if (!Object.hasOwn(ASSETS, name)) return next();
    const asset = ASSETS[name]!;
    let body = cache.get(asset.file);
    if (!body) cache.set(asset.file, (body = await readFile(path.join(dist, asset.file))));
    ctx.type = asset.type;
    // The same package version serves the same bytes: a day in the browser's cache is safe.
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  });
  return router;
}
