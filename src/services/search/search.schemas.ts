import Type, { type Static } from 'typebox';
import { listQueryFields, Nullable } from '../../platform/schemas.js';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_RADIUS_METERS,
  PAY_TYPES,
  SEARCH_SORTS,
  SETTLEMENTS,
} from './engine/types.js';

/** Request and response schemas of the search service. */

/** A comma-separated list of allowed words, e.g. "daily,hourly". */
const listOf = (words: readonly string[], description: string) =>
  Type.Array(Type.String({ pattern: `^(${words.join('|')})(,(${words.join('|')}))*$`, maxLength: 100 }), {
    maxItems: 10,
    description: `${description}; repeat the parameter or separate with commas`,
  });

export const MAX_QUERY_LENGTH = 100;

export const SearchJobsQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: MAX_QUERY_LENGTH,
        description: 'Keywords (Chinese, latin, numbers); all must match',
      }),
    ),
    lng: Type.Optional(
      Type.Number({
        minimum: -180,
        maximum: 180,
        description: 'Longitude of the point, GCJ-02 unless coord=wgs84',
      }),
    ),
    lat: Type.Optional(
      Type.Number({
        minimum: -90,
        maximum: 90,
        description: 'Latitude of the point, GCJ-02 unless coord=wgs84',
      }),
    ),
    coord: Type.Optional(
      Type.Union([Type.Literal('gcj02'), Type.Literal('wgs84')], {
        description:
          'Datum of lng/lat. Default gcj02: the datum of Chinese maps (AMap, Tencent, a map pick); ' +
          'wgs84 for raw GPS positions. Answers are always GCJ-02.',
      }),
    ),
    radius: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_RADIUS_METERS,
        description: `Metres around lng/lat (default 5000, at most ${MAX_RADIUS_METERS})`,
      }),
    ),
    city: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'City, e.g. 上海 or 上海市' }),
    ),
    category: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)?(,[a-z_]+(\\.[a-z_]+)?)*$', maxLength: 300 }), {
        maxItems: 20,
        description:
          'Category codes (a top-level code includes its children); repeat or separate with commas',
      }),
    ),
    payType: Type.Optional(listOf(PAY_TYPES, 'Pay types')),
    minPay: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Minimum pay amount in fen (分)' }),
    ),
    from: Type.Optional(
      Type.String({
        maxLength: 35,
        description: 'Jobs still running at or after this instant (ISO 8601 with offset)',
      }),
    ),
    to: Type.Optional(
      Type.String({
        maxLength: 35,
        description: 'Jobs starting at or before this instant (ISO 8601 with offset)',
      }),
    ),
    settlement: Type.Optional(listOf(SETTLEMENTS, 'Settlements')),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
        maxItems: 10,
        description: 'Tags every job must carry (repeat the parameter)',
      }),
    ),
    verified: Type.Optional(Type.Boolean({ description: 'true: only verified employers' })),
    sort: Type.Optional(
      Type.Enum(SEARCH_SORTS, {
        description: 'Default: relevance with q, else distance with a point, else newest',
      }),
    ),
    ...listQueryFields({ maxLimit: MAX_LIMIT, defaultLimit: DEFAULT_LIMIT }),
  },
  { additionalProperties: false },
);
export type SearchJobsQuery = Static<typeof SearchJobsQuery>;

const LngLat = Type.Object({ lng: Type.Number(), lat: Type.Number() });
const Counts = Type.Record(Type.String(), Type.Integer());

export const SearchJobCard = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  title: Type.String(),
  category: Type.String(),
  categoryName: Type.String(),
  tags: Type.Array(Type.String()),
  pay: Type.Object({ type: Type.String(), amountFen: Type.Integer() }),
  settlement: Type.String(),
  employerVerified: Type.Boolean(),
  place: Type.Object({ city: Type.String(), location: LngLat }),
  startsAt: Type.String(),
  endsAt: Type.String(),
  publishedAt: Type.String(),
  distanceMeters: Type.Optional(Type.Integer({ description: 'Metres from the point (with lng/lat)' })),
  highlight: Type.Object(
    { title: Type.String(), description: Type.String() },
    { description: 'HTML-escaped text; matches wrapped in <em>…</em>' },
  ),
});
export type SearchJobCard = Static<typeof SearchJobCard>;

export const SearchJobsResponse = Type.Object({
  items: Type.Array(SearchJobCard),
  facets: Type.Object({ category: Counts, payType: Counts }),
  total: Type.Object({ value: Type.Integer(), exact: Type.Boolean() }),
  nextCursor: Nullable(Type.String()),
});
export type SearchJobsResponse = Static<typeof SearchJobsResponse>;
