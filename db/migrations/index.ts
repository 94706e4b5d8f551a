import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000000BehflowSchema } from './Migration20261126000000BehflowSchema';

/** Listed explicitly so migrations run the same under tsx, jest and a bundled build. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000000BehflowSchema', class: Migration20261126000000BehflowSchema },
];
