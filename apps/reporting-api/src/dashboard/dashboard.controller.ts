import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Chart.js's browser build, from the app's own dependencies (its package exports only the module builds, so found beside them). */
const ChartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/** The folder a compiled file under dist/ was compiled from (tsconfig.build.json's rootDir is the repository). */
function sourceOf(compiled: string): string {
  const marker = `${path.sep}dist${path.sep}`;
  const at = compiled.lastIndexOf(marker);
  return at < 0 ? compiled : `${compiled.slice(0, at)}${path.sep}${compiled.slice(at + marker.length)}`;
}

/**
 * The page, its style and its script, kept as the files they are (so the script is linted as
 * browser code) and read once at start-up. They sit beside this file under jest and in a dist/
 * built by `scripts/vigil.sh build` (which copies them); a dist/ compiled by tsc alone reads them
 * from the sources it was compiled from. Missing both ways, the app does not start.
 */
function readStatic(): { html: string; css: string; js: string } {
  const beside = path.join(__dirname, 'static');
  const folders = [...new Set([beside, sourceOf(beside)])];
  const folder = folders.find((candidate) => existsSync(path.join(candidate, 'dashboard.html')));
  if (!folder) throw new Error(`The dashboard's static files are in none of ${folders.join(', ')}: build with scripts/vigil.sh build, which copies them to dist/`);
  const read = (name: string) => readFileSync(path.join(folder, name), 'utf8');
  return { html: read('dashboard.html'), css: read('dashboard.css'), js: read('dashboard.js') };
}

const Static = readStatic();

/** `/dashboard`: a page, its style and its script, public (the data behind it needs a `reports:read` token). */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return Static.html;
  }

  @Get('app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return Static.css;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return Static.js;
  }

  @Get('vendor/chart.umd.min.js')
  chartJs(@Res() response: Response): void {
    response.sendFile(ChartJs, { maxAge: '1d', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  }
}
