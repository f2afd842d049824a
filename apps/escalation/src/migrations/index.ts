import { CreateEscalations1763700003100 } from './1763700003100-create-escalations.migration';
import { CreateAlarms1763700003200 } from './1763700003200-create-alarms.migration';

/** In the order they run. */
export const EscalationMigrations = [CreateEscalations1763700003100, CreateAlarms1763700003200];
