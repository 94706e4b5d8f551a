import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000000BehflowSchema } from './Migration20261126000000BehflowSchema';
import { Migration20261126010000ProcessRegistrations } from './Migration20261126010000ProcessRegistrations';
import { Migration20261126020000ArchiveAudit } from './Migration20261126020000ArchiveAudit';
import { Migration20261201000000DayLedger } from './Migration20261201000000DayLedger';
import { Migration20261201010000ApiPauseNote } from './Migration20261201010000ApiPauseNote';
import { Migration20261201020000AuditEveryMove } from './Migration20261201020000AuditEveryMove';
import { Migration20261201021000IdempotencyKeys } from './Migration20261201021000IdempotencyKeys';
import { Migration20261201100000BehflowDeletesCascade } from './Migration20261201100000BehflowDeletesCascade';
import { Migration20261202000000OwnIndexes } from './Migration20261202000000OwnIndexes';
import { Migration20261202010000ProcessPolicies } from './Migration20261202010000ProcessPolicies';
import { Migration20261202020000Reruns } from './Migration20261202020000Reruns';
import { Migration20261202030000Notifications } from './Migration20261202030000Notifications';
import { Migration20261202040000Events } from './Migration20261202040000Events';
import { Migration20261202050000Chains } from './Migration20261202050000Chains';
import { Migration20261202060000ConcurrencyLimits } from './Migration20261202060000ConcurrencyLimits';
import { Migration20261202070000ConsoleIndexes } from './Migration20261202070000ConsoleIndexes';
import { Migration20261202080000ConsoleSignOuts } from './Migration20261202080000ConsoleSignOuts';
import { Migration20261202090000MetricsIndexes } from './Migration20261202090000MetricsIndexes';

/** Listed explicitly so migrations run the same under tsx, jest and a bundled build. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000000BehflowSchema', class: Migration20261126000000BehflowSchema },
  { name: 'Migration20261126010000ProcessRegistrations', class: Migration20261126010000ProcessRegistrations },
  { name: 'Migration20261126020000ArchiveAudit', class: Migration20261126020000ArchiveAudit },
  { name: 'Migration20261201000000DayLedger', class: Migration20261201000000DayLedger },
  { name: 'Migration20261201010000ApiPauseNote', class: Migration20261201010000ApiPauseNote },
  { name: 'Migration20261201020000AuditEveryMove', class: Migration20261201020000AuditEveryMove },
  { name: 'Migration20261201021000IdempotencyKeys', class: Migration20261201021000IdempotencyKeys },
  { name: 'Migration20261201100000BehflowDeletesCascade', class: Migration20261201100000BehflowDeletesCascade },
  { name: 'Migration20261202000000OwnIndexes', class: Migration20261202000000OwnIndexes },
  { name: 'Migration20261202010000ProcessPolicies', class: Migration20261202010000ProcessPolicies },
  { name: 'Migration20261202020000Reruns', class: Migration20261202020000Reruns },
  { name: 'Migration20261202030000Notifications', class: Migration20261202030000Notifications },
  { name: 'Migration20261202040000Events', class: Migration20261202040000Events },
  { name: 'Migration20261202050000Chains', class: Migration20261202050000Chains },
  { name: 'Migration20261202060000ConcurrencyLimits', class: Migration20261202060000ConcurrencyLimits },
  { name: 'Migration20261202070000ConsoleIndexes', class: Migration20261202070000ConsoleIndexes },
  { name: 'Migration20261202080000ConsoleSignOuts', class: Migration20261202080000ConsoleSignOuts },
  { name: 'Migration20261202090000MetricsIndexes', class: Migration20261202090000MetricsIndexes },
];
