// Imported on the first line of each app's main.ts, before Nest, Express, pg or pino are
// loaded, so their instrumentation takes. The platform flushes spans on shutdown (flushTraces).
import { startTracing } from './tracing';

startTracing();
