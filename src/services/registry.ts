import type { AnyConfigSection } from '../platform/config.js';
import type { AnyServiceModule } from '../platform/service.js';
import { jobModule } from './job/index.js';
import { searchModule } from './search/index.js';
import { userModule } from './user/index.js';

/** Every service of Linggong, in start order. */
export const ALL_SERVICES: AnyServiceModule[] = [userModule, jobModule, searchModule];

export const SERVICE_NAMES = (): string[] => ALL_SERVICES.map((s) => s.name);

/**
 * The configuration sections services declare, which loadConfig parses with the platform's settings
 * (the user service has none: its settings are the platform's access tokens and SMS).
 */
export const CONFIG_SECTIONS: AnyConfigSection[] = ALL_SERVICES.flatMap((m) => (m.config ? [m.config] : []));
