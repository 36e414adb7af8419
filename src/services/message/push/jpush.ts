import { PushSendError, type PushMessage, type PushProvider } from './port.js';

export interface JPushOptions {
  appKey: string;
  masterSecret: string;
  /** https://api.jpush.cn (the default) or a test server. */
  endpoint?: string;
  /** iOS: the production APNs environment (false: development). */
  apnsProduction: boolean;
  timeoutMs?: number;
}

/**
 * JPush (极光推送) REST API v3: `POST /v3/push`, HTTP Basic authentication with the app key and
 * master secret, the notification for Android and iOS with the app's data as extras, to the
 * registration ids of the user's phones. An HTTP 4xx (bad registration, auth) is not retried;
 * 5xx, 429 and network failures are.
 */
export function createJPushProvider(options: JPushOptions): PushProvider {
  const endpoint = (options.endpoint ?? 'https://api.jpush.cn').replace(/\/$/, '');
  const auth = `Basic ${Buffer.from(`${options.appKey}:${options.masterSecret}`).toString('base64')}`;
  return {
    name: 'jpush',
    async send(m: PushMessage): Promise<void> {
      const body = {
        platform: 'all',
        audience: { registration_id: m.registrationIds },
        notification: {
          android: { alert: m.body, title: m.title, extras: m.data },
          ios: { alert: { title: m.title, body: m.body }, sound: 'default', extras: m.data },
        },
        options: { time_to_live: 86_400, apns_production: options.apnsProduction },
      };
      let res: Response;
      try {
        res = await fetch(`${endpoint}/v3/push`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
        });
      } catch (e) {
        throw new PushSendError(`jpush unreachable: ${(e as Error).message}`);
      }
      if (res.ok) return;
      let code: string | undefined;
      try {
        const answer = (await res.json()) as { error?: { code?: number; message?: string } };
        code = answer.error?.code !== undefined ? String(answer.error.code) : undefined;
      } catch {
        // not JSON
      }
      const retryable = res.status >= 500 || res.status === 429;
      throw new PushSendError(`jpush answered ${res.status}`, code, retryable);
    },
  };
}
