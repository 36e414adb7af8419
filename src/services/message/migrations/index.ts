import type { MigrationSet } from '../../../platform/db/migrator.js';
import { messages } from './20261207_0001_messages.js';
import { reminders } from './20261207_0002_reminders.js';
import { sms } from './20261207_0003_sms.js';

/** The message service's migrations, in order (names sort by time). */
export const messageMigrations: MigrationSet = {
  '20261207_0001_messages': messages,
  '20261207_0002_reminders': reminders,
  '20261207_0003_sms': sms,
};
