import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import path from 'node:path';
import { DashboardHtml, DashboardScript } from './dashboard.page';

/** Chart.js's browser build, from the app's own dependencies (its package exports only the module builds, so found beside them). */
const ChartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/** `/dashboard`: a page and its script, public (the data behind it needs a `reports:read` token). */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return DashboardHtml;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return DashboardScript;
  }

  @Get('vendor/chart.umd.min.js')
  chartJs(@Res() response: Response): void {
    response.sendFile(ChartJs, { maxAge: '1d', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  }
}
