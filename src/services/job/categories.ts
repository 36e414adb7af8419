import { writeAudit } from '../../platform/audit.js';
import type { Cache } from '../../platform/cache.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import { TAXONOMY_VERSION } from '../../platform/reference/gig-categories.js';
import type { JobDB } from './job.db.js';
import { JobErrors } from './job.errors.js';
import { JobEvents } from './job.events.js';
import type { CategoryRow, JobRepository } from './job.repository.js';

export interface Category {
  code: string;
  parent: string | null;
  zh: string;
  en: string;
  enabled: boolean;
}

export interface CategoryTree {
  taxonomyVersion: string;
  items: { code: string; zh: string; en: string; children: { code: string; zh: string; en: string }[] }[];
}

const CATEGORIES_KEY = 'job:categories';
const CATEGORIES_TTL_MS = 10 * 60_000;

const toCategory = (r: CategoryRow): Category => ({
  code: r.code,
  parent: r.parent,
  zh: r.zh,
  en: r.en,
  enabled: Boolean(r.enabled),
});

/**
 * The category tree (工种分类): seeded from the reference taxonomy, names and availability editable
 * by admins. Read on every post and every job view, so it is cached (cache-aside) and dropped on
 * change in the writing process and, through `job.categories_changed`, in every other one.
 */
export function createCategoryService(deps: {
  sdb: ServiceDatabase<JobDB>;
  repo: JobRepository;
  cache: Cache;
  ids: IdGenerator;
}) {
  const { sdb, repo, cache, ids } = deps;

  async function all(): Promise<Map<string, Category>> {
    const list = await cache.getOrLoad(CATEGORIES_KEY, CATEGORIES_TTL_MS, async () =>
      (await repo.listCategories()).map(toCategory),
    );
    return new Map((list ?? []).map((c) => [c.code, c]));
  }

  return {
    all,
    async tree(): Promise<CategoryTree> {
      const enabled = [...(await all()).values()].filter((c) => c.enabled);
      const pick = (c: Category) => ({ code: c.code, zh: c.zh, en: c.en });
      return {
        taxonomyVersion: TAXONOMY_VERSION,
        items: enabled
          .filter((c) => c.parent === null)
          .map((top) => ({ ...pick(top), children: enabled.filter((c) => c.parent === top.code).map(pick) })),
      };
    },
    /** Throws unless `code` is a category new posts may use (an unchanged old code is let through). */
    async assertUsable(code: string, current?: string): Promise<void> {
      const category = (await all()).get(code);
      if (!category) throw JobErrors.CATEGORY_UNKNOWN({ code });
      if (!category.enabled && code !== current) throw JobErrors.CATEGORY_DISABLED({ code });
    },
    async update(
      actor: Principal,
      code: string,
      patch: { zh?: string; en?: string; enabled?: boolean },
    ): Promise<Category> {
      return sdb.transaction(async (tx) => {
        const row = await repo.findCategory(code, tx.db);
        if (!row) throw JobErrors.CATEGORY_UNKNOWN({ code });
        const changes = {
          ...(patch.zh !== undefined ? { zh: patch.zh } : {}),
          ...(patch.en !== undefined ? { en: patch.en } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
          updated_at: tx.now,
        };
        await repo.updateCategory(code, changes, tx.db);
        await writeAudit(tx, 'job_', ids, {
          actorId: actor.userId,
          actorRole: 'admin',
          action: 'category.updated',
          targetType: 'category',
          targetId: code,
          data: patch,
        });
        await tx.publish(JobEvents.categoriesChanged({ code }));
        tx.afterCommit(() => cache.delete(CATEGORIES_KEY));
        return toCategory({ ...row, ...changes });
      });
    },
    invalidate: () => cache.delete(CATEGORIES_KEY),
  };
}

export type CategoryService = ReturnType<typeof createCategoryService>;
