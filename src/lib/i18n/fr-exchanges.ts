// Strings of the exchanges feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frExchanges = {
  exchanges: {},
  exchangeAudits: {},
} as const;
