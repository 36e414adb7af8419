import { describe, expect, it } from 'vitest';
import { amapSignature, createAmapGeocoder, GeocoderUnavailable } from './geocoding.js';

// Amap cannot be reached from the build machine. These tests check the request signature (against a
// digest computed independently with `printf '%s' '<sorted params><private key>' | md5sum`) and the
// mapping of responses shaped as Amap's geocoding documentation shows them.
const KEY = '0123456789abcdef0123456789abcdef';

describe('Amap geocoder', () => {
  it('signs the sorted raw parameters with the private key appended (MD5)', () => {
    const params = { output: 'JSON', key: KEY, city: '北京', address: '北京市朝阳区阜通东大街6号' };
    expect(amapSignature(params, 'my-private-key')).toBe('db5babe9df84be79ad1ca5bbd352a653');
    // The signature itself never takes part in signing.
    expect(amapSignature({ ...params, sig: 'x' }, 'my-private-key')).toBe('db5babe9df84be79ad1ca5bbd352a653');
  });

  it('maps a documented success response to a GCJ-02 point and sends a signed request', async () => {
    let requested = '';
    const geocoder = createAmapGeocoder({
      key: KEY,
      privateKey: 'my-private-key',
      fetch: async (url) => {
        requested = url instanceof Request ? url.url : url.toString();
        return Response.json({
          status: '1',
          info: 'OK',
          infocode: '10000',
          count: '1',
          geocodes: [
            {
              formatted_address: '北京市朝阳区阜通东大街6号',
              country: '中国',
              province: '北京市',
              citycode: '010',
              city: '北京市',
              district: '朝阳区',
              township: [],
              adcode: '110105',
              street: '阜通东大街',
              number: '6号',
              location: '116.482086,39.990496',
              level: '门牌号',
            },
          ],
        });
      },
    });
    const result = await geocoder.geocode('北京市朝阳区阜通东大街6号', '北京');
    expect(result).toEqual({
      location: { lng: 116.482086, lat: 39.990496 },
      formattedAddress: '北京市朝阳区阜通东大街6号',
      city: '北京市',
      district: '朝阳区',
      adcode: '110105',
    });
    const url = new URL(requested);
    expect(url.pathname).toBe('/v3/geocode/geo');
    expect(url.searchParams.get('sig')).toBe('db5babe9df84be79ad1ca5bbd352a653');
    expect(url.searchParams.get('address')).toBe('北京市朝阳区阜通东大街6号');
  });

  it('answers undefined for no match, and GeocoderUnavailable for refusals and network failures', async () => {
    const answering = (body: unknown) =>
      createAmapGeocoder({ key: KEY, fetch: async () => Response.json(body) });
    await expect(
      answering({ status: '1', info: 'OK', count: '0', geocodes: [] }).geocode('火星', ''),
    ).resolves.toBe(undefined);
    const refused = answering({ status: '0', info: 'INVALID_USER_KEY', infocode: '10001' }).geocode('a', 'b');
    await expect(refused).rejects.toBeInstanceOf(GeocoderUnavailable);
    await expect(refused).rejects.toMatchObject({ providerCode: '10001' });
    const down = createAmapGeocoder({
      key: KEY,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(down.geocode('a', 'b')).rejects.toThrow('Amap could not be reached (TypeError)');
  });
});
