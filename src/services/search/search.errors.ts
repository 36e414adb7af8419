import { defineErrors } from '../../platform/errors.js';

/** The search service's error codes (stable; clients switch on them). */
export const SearchErrors = defineErrors({
  SEARCH_REINDEX_REQUIRED: {
    status: 503,
    zh: '搜索索引需要重建，请稍后再试',
    en: 'The search index is being rebuilt or needs a rebuild; try again later',
  },
  SEARCH_UNAVAILABLE: {
    status: 503,
    zh: '搜索服务暂不可用，请稍后再试',
    en: 'Search is unavailable right now; try again later',
  },
  SEARCH_QUERY_INVALID: {
    status: 400,
    zh: (p) => `搜索条件不合法：${p.reason}`,
    en: (p) => `The search is invalid: ${p.reason}`,
  },
  SEARCH_LOCATION_INVALID: {
    status: 400,
    zh: '位置须同时提供经度和纬度，且位于中国境内',
    en: 'A location needs both lng and lat, inside China',
  },
  INSTANT_INVALID: {
    status: 400,
    zh: (p) => `${p.field} 须为带时区的 ISO 8601 时间，例如 2026-12-01T09:00:00+08:00`,
    en: (p) => `${p.field} must be ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+08:00`,
  },
});
