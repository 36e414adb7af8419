import { createHash } from 'node:crypto';
import type { LngLat } from '../../platform/geo.js';

/**
 * The geocoding port: an address in, a GCJ-02 point out. Job posts may also give coordinates
 * directly (picked on a map or from the phone's GPS), in which case no geocoder is called.
 */
export interface Geocoder {
  readonly name: string;
  /** The best match, or undefined when the provider found nothing. Throws GeocoderUnavailable. */
  geocode(address: string, city: string): Promise<GeocodeResult | undefined>;
}

export interface GeocodeResult {
  /** GCJ-02, as Amap returns it. */
  location: LngLat;
  formattedAddress: string;
  city: string | null;
  district: string | null;
  adcode: string | null;
}

/** The provider could not be asked (network, quota, bad key); the caller answers 503. */
export class GeocoderUnavailable extends Error {
  constructor(
    message: string,
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'GeocoderUnavailable';
  }
}

/** No geocoder configured (the embedded default): posts must carry coordinates. */
export const noGeocoder: Geocoder = {
  name: 'none',
  async geocode() {
    throw new GeocoderUnavailable('no geocoder is configured');
  },
};

/**
 * Amap (高德) Web Service API signature (数字签名): the request parameters, `key` included and `sig`
 * excluded, sorted by name in ascending order and joined as `name=value&…` with the raw (not
 * URL-encoded) UTF-8 values, then the private key appended; `sig` is the lowercase hex MD5 of that.
 */
export function amapSignature(params: Readonly<Record<string, string>>, privateKey: string): string {
  const joined = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5')
    .update(joined + privateKey, 'utf8')
    .digest('hex');
}

export interface AmapOptions {
  key: string;
  /** The private key of a key with digital signatures enabled; unsigned requests when absent. */
  privateKey?: string;
  endpoint?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface AmapGeocodeResponse {
  status?: string;
  info?: string;
  infocode?: string;
  geocodes?: {
    formatted_address?: string;
    city?: string | unknown[];
    district?: string | unknown[];
    adcode?: string;
    location?: string;
  }[];
}

/**
 * Amap geocoding (`/v3/geocode/geo`). Amap answers in GCJ-02, Linggong's storage datum. This adapter
 * cannot reach Amap from the build machine: its tests check the signature and the mapping of
 * responses shaped as Amap's documentation shows them.
 */
export function createAmapGeocoder(options: AmapOptions): Geocoder {
  const endpoint = options.endpoint ?? 'https://restapi.amap.com';
  const fetchImpl = options.fetch ?? fetch;
  const text = (v: string | unknown[] | undefined): string | null =>
    typeof v === 'string' && v.length > 0 ? v : null;
  return {
    name: 'amap',
    async geocode(address, city) {
      const params: Record<string, string> = { address, city, key: options.key, output: 'JSON' };
      if (options.privateKey) params.sig = amapSignature(params, options.privateKey);
      let body: AmapGeocodeResponse;
      try {
        const res = await fetchImpl(`${endpoint}/v3/geocode/geo?${new URLSearchParams(params).toString()}`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
        });
        if (!res.ok) throw new GeocoderUnavailable(`Amap answered HTTP ${res.status}`);
        body = (await res.json()) as AmapGeocodeResponse;
      } catch (e) {
        if (e instanceof GeocoderUnavailable) throw e;
        throw new GeocoderUnavailable(`Amap could not be reached (${(e as Error).name})`);
      }
      if (body.status !== '1') {
        throw new GeocoderUnavailable(`Amap refused the request: ${body.info ?? 'unknown'}`, body.infocode);
      }
      const first = body.geocodes?.[0];
      const match = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(first?.location ?? '');
      if (!first || !match) return undefined;
      return {
        location: { lng: Number(match[1]), lat: Number(match[2]) },
        formattedAddress: first.formatted_address ?? address,
        city: text(first.city),
        district: text(first.district),
        adcode: first.adcode ?? null,
      };
    },
  };
}
