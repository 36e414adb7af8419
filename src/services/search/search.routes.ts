import { sendJsonBytes, sendJsonText } from '../../platform/http/json-text.js';
import type { App } from '../../platform/http/server.js';
import { SearchJobsQuery, SearchJobsResponse } from './search.schemas.js';
import type { SearchService } from './search.service.js';
import { SearchErrors } from './search.errors.js';
import { searchAnswerExample, searchQueryExample } from './search.examples.js';
import { PlatformErrors } from '../../platform/errors.js';

const tags = ['search'];

export async function registerSearchRoutes(app: App, search: SearchService): Promise<void> {
  app.get(
    '/api/v1/search/jobs',
    {
      schema: {
        tags,
        summary: 'Search open jobs (搜索职位): keywords, place and radius, filters, facets',
        description:
          '**Coordinates are GCJ-02** (the datum of Chinese maps: AMap, Tencent, a map pick) unless ' +
          '`coord=wgs84` (raw GPS); answers are GCJ-02. Keywords, a point with a radius, a city and ' +
          'filters combine; results page through `nextCursor` with facet counts of the whole result.',
        querystring: SearchJobsQuery,
        response: { 200: SearchJobsResponse },
        responseDescription: 'A page of matching open jobs with facet counts',
        errors: [
          SearchErrors.SEARCH_QUERY_INVALID({ reason: 'from is after to' }),
          SearchErrors.SEARCH_LOCATION_INVALID(),
          SearchErrors.INSTANT_INVALID({ field: 'from' }),
          PlatformErrors.INVALID_CURSOR(),
          SearchErrors.SEARCH_REINDEX_REQUIRED(),
          SearchErrors.SEARCH_UNAVAILABLE(),
        ],
        example: { query: searchQueryExample, response: searchAnswerExample },
      },
    },
    async (request, reply) => {
      const answer = await search.search(request.query);
      // Results change with every job event; a short shared cache absorbs bursts of the same query.
      void reply.header('cache-control', 'public, max-age=5');
      // The body is SearchJobsResponse serialised already (search.mappers.ts).
      if (typeof answer === 'string') sendJsonText(reply, answer);
      else sendJsonBytes(reply, answer.bytes, answer.release);
      return reply;
    },
  );
}
