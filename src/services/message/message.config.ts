import { defineConfigSection } from '../../platform/config.js';

/** The message service's limits and push provider (README, Configuration). */
export interface MessageConfig {
  /** Open WebSockets a user may hold in one process; the oldest is closed past it. */
  wsMaxPerUser: number;
  /** Messages one sender may send per minute, over all conversations. */
  sendPerMinute: number;
  /** WebSocket pings this often; the token is checked again at each. */
  wsHeartbeatMs: number;
  push:
    | { provider: 'console' }
    | {
        provider: 'jpush';
        appKey: string;
        masterSecret: string;
        endpoint: string | undefined;
        apnsProduction: boolean;
      };
}

/** The message service's configuration section: `messageConfig.of(config)`. */
export const messageConfig = defineConfigSection({
  service: 'message',
  variables: {
    LINGGONG_MESSAGE_WS_MAX_PER_USER: {
      doc: 'Open WebSockets per user and process; the oldest is closed past it (default 5; 1–50)',
    },
    LINGGONG_MESSAGE_SEND_PER_MINUTE: {
      doc: 'Messages a user may send per minute over all conversations (default 30; 1–600)',
    },
    LINGGONG_MESSAGE_WS_HEARTBEAT_MS: {
      doc: 'WebSocket ping interval in ms; each ping also checks the token again, so a revoked session closes within it (default 30000; 200–300000)',
    },
    LINGGONG_PUSH_PROVIDER: {
      doc: 'Push notifications: console (default: a log line) | jpush (JPush REST API v3)',
    },
    LINGGONG_JPUSH_APP_KEY: { doc: 'JPush AppKey, for LINGGONG_PUSH_PROVIDER=jpush' },
    LINGGONG_JPUSH_MASTER_SECRET: { doc: 'JPush Master Secret, for LINGGONG_PUSH_PROVIDER=jpush' },
    LINGGONG_JPUSH_ENDPOINT: { doc: 'JPush API endpoint (default https://api.jpush.cn)' },
    LINGGONG_JPUSH_APNS_PRODUCTION: {
      doc: 'iOS pushes through the production APNs environment (default false: development)',
    },
  },
  parse(read): MessageConfig {
    const provider = read.oneOf('LINGGONG_PUSH_PROVIDER', 'console', ['console', 'jpush']);
    const when = 'when LINGGONG_PUSH_PROVIDER=jpush';
    return {
      wsMaxPerUser: read.int('LINGGONG_MESSAGE_WS_MAX_PER_USER', 5, 1, 50),
      sendPerMinute: read.int('LINGGONG_MESSAGE_SEND_PER_MINUTE', 30, 1, 600),
      wsHeartbeatMs: read.int('LINGGONG_MESSAGE_WS_HEARTBEAT_MS', 30_000, 200, 300_000),
      push:
        provider === 'console'
          ? { provider }
          : {
              provider,
              appKey: read.required('LINGGONG_JPUSH_APP_KEY', when),
              masterSecret: read.required('LINGGONG_JPUSH_MASTER_SECRET', when),
              endpoint: read.get('LINGGONG_JPUSH_ENDPOINT'),
              apnsProduction: read.bool('LINGGONG_JPUSH_APNS_PRODUCTION', false),
            },
    };
  },
});
