import type { Static } from 'typebox';
import type { PageRequest } from '../../platform/cursor.js';
import { principalOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/server.js';
import { DEFAULT_PAGE_SIZE } from '../../platform/schemas.js';
import * as examples from './wallet.examples.js';
import { WalletEntriesPage, WalletEntriesQuery, WalletSchema } from './wallet.schemas.js';

/** What the wallet API answers a signed-in user about their own money. */
export interface WalletService {
  walletOf(userId: string): Promise<Static<typeof WalletSchema>>;
  /** The user's wallet entries, newest first. */
  entriesOf(userId: string, page: PageRequest): Promise<Static<typeof WalletEntriesPage>>;
}

const tags = ['wallet'];

export async function registerWalletRoutes(app: App, wallet: WalletService): Promise<void> {
  app.get(
    '/api/v1/wallet',
    {
      schema: {
        tags,
        summary: 'My wallet',
        description:
          'My money in fen: available, pending settlement (earned, not yet withdrawable), held in ' +
          'escrow for my orders as an employer, and being withdrawn.',
        response: { 200: WalletSchema },
        responseDescription: 'My balances',
        example: { response: examples.walletExample },
      },
      config: { auth: true },
    },
    async (req) => wallet.walletOf(principalOf(req).userId),
  );
  app.get(
    '/api/v1/wallet/entries',
    {
      schema: {
        tags,
        summary: "My wallet's entries",
        description:
          'Every movement of my available balance, newest first, with the balance after it. Each ' +
          'description comes in Chinese and English (`description.zh`, `description.en`).',
        querystring: WalletEntriesQuery,
        response: { 200: WalletEntriesPage },
        responseDescription: 'A page of entries',
        example: { query: { limit: 20 }, response: examples.entriesExample },
      },
      config: { auth: true },
    },
    async (req) =>
      wallet.entriesOf(principalOf(req).userId, {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
}
