import { bootstrapService } from '@vigil/platform-nest';
import { AppModule } from './app.module';

void bootstrapService('escalation', AppModule);
