import { randomBytes } from 'node:crypto';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { newAccountRow } from './accounts.js';
import { hashPassword } from './passwords.js';
import type { UserDB } from './user.db.js';
import { UserEvents } from './user.events.js';
import type { UserRepository } from './user.repository.js';

/**
 * The demo employer's fixed account id (exported by index.ts): the job service's seed posts its
 * demo jobs as this account.
 */
export const DEMO_EMPLOYER_ID = '01JDEM0EMP10YER00000000002';

/** Demo accounts for development: a worker, an employer and an admin. */
export const DEMO_ACCOUNTS = [
  {
    phone: '13800000001',
    name: '演示零工小王',
    roles: 'worker',
    skills: ['housekeeping.cleaner', 'food.waiter'],
    area: '上海市浦东新区',
  },
  { phone: '13800000002', name: '演示雇主李总', roles: 'employer', skills: [], area: '上海市徐汇区' },
  { phone: '13800000000', name: '演示管理员', roles: 'admin', skills: [], area: null },
] as const;

/** Creates the demo accounts once, each with a fresh random password; returns the lines to print. */
export async function seedDemoAccounts(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  pii: PiiCipher;
  ids: IdGenerator;
}): Promise<string[]> {
  const { sdb, repo, pii, ids } = deps;
  if (await repo.findAccountByPhoneHash(pii.lookupHash(DEMO_ACCOUNTS[0].phone))) return [];
  const lines: string[] = [];
  for (const demo of DEMO_ACCOUNTS) {
    const password = `Demo${randomBytes(6).toString('base64url')}1`;
    const passwordHash = await hashPassword(password);
    await sdb.transaction(async (tx) => {
      const id = demo.roles === 'employer' ? DEMO_EMPLOYER_ID : ids();
      await repo.insertAccount(
        newAccountRow(pii, {
          id,
          phone: demo.phone,
          displayName: demo.name,
          roles: demo.roles,
          now: tx.now,
          homeArea: demo.area,
          skills: demo.skills,
          passwordHash,
        }),
        tx.db,
      );
      await tx.publish(UserEvents.registered({ userId: id, roles: [demo.roles] }));
    });
    lines.push(`${demo.roles.padEnd(8)} phone ${demo.phone}  password ${password}`);
  }
  return lines;
}
