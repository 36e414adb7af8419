import type { Clock } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { Deadlines } from '../../platform/deadlines.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { ClientRegistry } from '../../platform/service.js';
import type { FileStorage } from '../../platform/storage.js';
import type { MessageConfig } from './message.config.js';
import type { MessageDB } from './message.db.js';
import type { MessageRepository } from './message.repository.js';
import type { Realtime } from './realtime.js';

/** What every part of the message service shares. Built once in index.ts. */
export interface MessageContext {
  sdb: ServiceDatabase<MessageDB>;
  repo: MessageRepository;
  settings: MessageConfig;
  clients: ClientRegistry;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  cursors: CursorCodec;
  storage: FileStorage;
  deadlines: Deadlines;
  realtime: Realtime;
  /** Formats an instant (epoch ms) as ISO 8601 in the business zone. */
  at: (instant: number) => string;
}
