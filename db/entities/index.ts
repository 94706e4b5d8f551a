export * from './enums';
export * from './task.entity';
export * from './automated-process.entity';
export * from './automated-process-execution.entity';
export * from './task-move.entity';
export * from './applied-env-defaults.entity';
export * from './process-registration.entity';

import { TaskSchema } from './task.entity';
import { AutomatedProcessSchema } from './automated-process.entity';
import { AutomatedProcessExecutionSchema } from './automated-process-execution.entity';
import { TaskMoveSchema } from './task-move.entity';
import { AppliedEnvDefaultsSchema } from './applied-env-defaults.entity';
import { ProcessRegistrationSchema } from './process-registration.entity';

export const ENTITIES = [
  TaskSchema,
  AutomatedProcessSchema,
  AutomatedProcessExecutionSchema,
  TaskMoveSchema,
  AppliedEnvDefaultsSchema,
  ProcessRegistrationSchema,
];
