import { sendJsonBytes, sendJsonText } from '../../platform/http/json-text.js';
import type { App } from '../../platform/http/server.js';
import { SearchJobsQuery, SearchJobsResponse } from './search.schemas.js';
import type { SearchService } from './search.service.js';

const tags = ['search'];

export async function registerSearchRoutes(app: App, search: SearchService): Promise<void> {
  app.get(
    '/api/v1/search/jobs',
    {
      schema: {
        tags,
        summary: 'Search open jobs (搜索职位): keywords, place and radius, filters, facets',
        querystring: SearchJobsQuery,
        response: { 200: SearchJobsResponse },
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
