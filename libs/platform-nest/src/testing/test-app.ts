import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { configureHttp } from '../bootstrap';

/** A service's AppModule listening on a free 127.0.0.1 port, configured as in production. */
export async function startTestApp(appModule: Type<unknown>): Promise<{ app: NestExpressApplication; url: string; dataSource: DataSource }> {
  const app = await NestFactory.create<NestExpressApplication>(appModule, { logger: false });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), dataSource: app.get(DataSource) };
}
