import type { Static } from 'typebox';
import type { SearchJobsQuery, SearchJobsResponse } from './search.schemas.js';

/**
 * The example search of the API description (route-docs.ts): cleaning jobs paid by the day near
 * People's Square, Shanghai; checked against the route's schemas (test/http/openapi.test.ts).
 */
export const searchQueryExample: SearchJobsQuery = {
  q: '保洁 日结',
  lng: 121.4737,
  lat: 31.2304,
  coord: 'gcj02',
  radius: 5000,
  settlement: ['daily'],
  limit: 20,
};

export const searchAnswerExample: Static<typeof SearchJobsResponse> = {
  items: [
    {
      id: '01JEXAMP1EJ0B0000000000004',
      version: 3,
      title: '写字楼日常保洁 日结180元',
      category: 'housekeeping.cleaner',
      categoryName: '保洁员',
      tags: ['日结', '包午餐'],
      pay: { type: 'daily', amountFen: 18000 },
      settlement: 'daily',
      employerVerified: true,
      place: { city: '上海市', location: { lng: 121.475164, lat: 31.228816 } },
      startsAt: '2026-12-01T08:30:00+08:00',
      endsAt: '2026-12-01T17:30:00+08:00',
      publishedAt: '2026-11-20T10:15:00+08:00',
      distanceMeters: 226,
      highlight: {
        title: '写字楼日常<em>保洁</em> <em>日结</em>180元',
        description: '负责办公区域日常<em>保洁</em>，<em>日结</em>，包午餐。',
      },
    },
  ],
  facets: { category: { 'housekeeping.cleaner': 12, 'housekeeping.deep_clean': 3 }, payType: { daily: 15 } },
  total: { value: 15, exact: true },
  nextCursor: 'eyJzIjpbMjI2LCIwMUpFWEFNUDFFSjBCMDAwMDAwMDAwMDA0Il19',
};
