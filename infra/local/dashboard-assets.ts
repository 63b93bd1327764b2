import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const DASHBOARD = resolve(import.meta.dirname, '../dashboard');
const UPLOT = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const types = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The dashboard's static files, by URL path: plain HTML, CSS and an ES module with no build step, plus
 * uPlot for the trend chart. On AWS the same files are served as static assets next to the API.
 */
export function dashboardPages(): Record<string, () => { contentType: string; body: string }> {
  const file = (path: string, type: keyof typeof types) => {
    const body = readFileSync(path, 'utf8');
    return () => ({ contentType: types[type], body });
  };
  return {
    '/': file(join(DASHBOARD, 'index.html'), 'html'),
    '/dashboard/app.js': file(join(DASHBOARD, 'app.js'), 'js'),
    '/dashboard/styles.css': file(join(DASHBOARD, 'styles.css'), 'css'),
    '/dashboard/vendor/uPlot.iife.min.js': file(join(UPLOT, 'uPlot.iife.min.js'), 'js'),
    '/dashboard/vendor/uPlot.min.css': file(join(UPLOT, 'uPlot.min.css'), 'css'),
  };
}
