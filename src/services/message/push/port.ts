/** A push to a user's phones: title and body already rendered, data for the app (ids only). */
export interface PushMessage {
  registrationIds: string[];
  title: string;
  body: string;
  data: Record<string, string>;
}

/** The push-notification port: the console provider in development, JPush in production. */
export interface PushProvider {
  readonly name: string;
  /** Resolves when the provider accepted the push; throws PushSendError otherwise. */
  send(message: PushMessage): Promise<void>;
}

/** The push service refused or could not be reached; `providerCode` is its own error code. */
export class PushSendError extends Error {
  constructor(
    message: string,
    readonly providerCode?: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'PushSendError';
  }
}
