import type { Insertable } from 'kysely';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import type { PiiCipher } from '../../src/platform/pii.js';
import { GIG_CATEGORIES } from '../../src/platform/reference/gig-categories.js';
import type { UserDB } from '../../src/services/user/user.db.js';
import { storedSkills } from '../../src/services/user/user.mappers.js';
import { prng } from '../../test/support/prng.js';

/**
 * Benchmark data generator: writes user accounts and skills straight into the user service's
 * tables, in batches, the way the service would store them (phones AES-GCM encrypted and looked up
 * by keyed hash with the configured keys, skills from the gig taxonomy, availability as JSON).
 * Deterministic: the same seed gives the same people.
 */

// prettier-ignore
const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
// prettier-ignore
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强玉兰红梅海燕小红春梅文斌晓东丹丹浩然子轩雨涵欣怡梓萱宇航俊杰家豪思远佳琪诗涵嘉怡'];
const AREAS = [
  '上海市浦东新区',
  '上海市徐汇区',
  '上海市闵行区',
  '北京市朝阳区',
  '北京市海淀区',
  '广州市天河区',
  '广州市白云区',
  '深圳市南山区',
  '深圳市宝安区',
  '杭州市西湖区',
  '杭州市余杭区',
  '成都市武侯区',
  '武汉市洪山区',
  '南京市鼓楼区',
  '西安市雁塔区',
  '重庆市渝北区',
];
const BIOS = [
  '五年保洁经验，认真负责，可接深度清洁。',
  '餐厅后厨帮工三年，手脚麻利，能吃苦。',
  '在校大学生，周末和晚上有空，做过促销和派单。',
  '有叉车证，熟悉仓库分拣和打包流程。',
  '做过商场导购，普通话标准，形象好。',
  '退休阿姨，做饭干净，住得近随叫随到。',
  '会简单水电维修，自带工具。',
  '服务员经验丰富，能适应节假日高峰。',
];
const SKILLS = GIG_CATEGORIES.filter((c) => c.parent !== null).map((c) => c.code);
const SLOTS = [
  ['08:00', '12:00'],
  ['09:00', '18:00'],
  ['13:00', '17:00'],
  ['18:00', '22:00'],
] as const;

/** The phone number of generated user `i` (a 139 number; unique per index). */
export const benchPhone = (i: number): string => `139${String(i).padStart(8, '0')}`;

export interface SeedResult {
  /** Ids of every generated (active) user. */
  ids: string[];
  /** Phones of the users that have `password` set, for the login benchmark. */
  loginPhones: string[];
  /** Skills given, over all accounts. */
  skillCount: number;
  ms: number;
}

export async function seedUsers(options: {
  sdb: ServiceDatabase<UserDB>;
  pii: PiiCipher;
  users: number;
  /** The first `loginUsers` users get `passwordHash` (one precomputed scrypt hash, to seed quickly). */
  loginUsers: number;
  passwordHash: string;
  /** Registration times are spread over the `spanMs` before `now`. */
  now: number;
  spanMs?: number;
  batchSize?: number;
}): Promise<SeedResult> {
  const started = performance.now();
  const { sdb, pii, users } = options;
  const batchSize = options.batchSize ?? 500;
  const spanMs = options.spanMs ?? 2 * 365 * 86_400_000;
  const rand = prng(20261125);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  let t = options.now - spanMs;
  const step = Math.floor(spanMs / users);
  const ids = createIdGenerator({ now: () => t });
  const out: SeedResult = { ids: [], loginPhones: [], skillCount: 0, ms: 0 };

  for (let start = 0; start < users; start += batchSize) {
    const accounts: Insertable<UserDB['user_accounts']>[] = [];
    for (let i = start; i < Math.min(users, start + batchSize); i++) {
      t += step;
      const id = ids();
      const phone = benchPhone(i);
      const hasPassword = i < options.loginUsers;
      if (hasPassword) out.loginPhones.push(phone);
      const r = rand();
      const roles = r < 0.8 ? 'worker' : r < 0.95 ? 'employer' : 'worker,employer';
      const isWorker = roles.includes('worker');
      const availability =
        isWorker && rand() < 0.35
          ? JSON.stringify(
              [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 7)))]
                .sort()
                .map((weekday) => {
                  const [s, e] = pick(SLOTS);
                  return { weekday, start: s, end: e };
                }),
            )
          : null;
      const name = pick(SURNAMES) + pick(GIVEN) + (rand() < 0.6 ? pick(GIVEN) : '');
      const account: Insertable<UserDB['user_accounts']> = {
        id,
        phone_cipher: pii.encrypt(phone),
        phone_hash: pii.lookupHash(phone),
        display_name: name,
        avatar_key: rand() < 0.3 ? `avatars/${id}/${ids()}.jpg` : null,
        bio: rand() < 0.6 ? pick(BIOS) : null,
        home_area: rand() < 0.8 ? pick(AREAS) : null,
        availability,
        roles,
        status: 'active',
        password_hash: hasPassword ? options.passwordHash : null,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: null,
      };
      // Drawn after the account's fields, in the order of the seeds before skills moved onto the
      // account row, so the same seed gives the same data.
      const skills: string[] = [];
      if (isWorker) {
        const n = Math.floor(rand() * 5);
        const chosen = new Set<string>();
        while (chosen.size < n) chosen.add(pick(SKILLS));
        skills.push(...chosen);
      }
      out.skillCount += skills.length;
      accounts.push({ ...account, skills: storedSkills(skills) });
      out.ids.push(id);
    }
    await sdb.transaction(async (tx) => {
      await tx.db.insertInto('user_accounts').values(accounts).execute();
    });
  }
  out.ms = performance.now() - started;
  return out;
}
