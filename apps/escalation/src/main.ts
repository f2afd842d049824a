import '@vigil/observability/register'; // first: tracing must patch http, express, pg and pino before they load
import { bootstrapService } from '@vigil/platform-nest';
import { AppModule } from './app.module';

void bootstrapService('escalation', AppModule);
