// Strings of the exchanges feature (issue 12). Each file owns its top-level groups (see index.ts).
import { frExchangeList } from './fr-exchange-list';
export const frExchanges = {
  exchanges: {},
  exchangeAudits: {
    'exchange.exported': 'Export de la liste des échanges',
  },
  /** The list, exports, retention review, search group (helper C): fr-exchange-list.ts. */
  exchangeList: frExchangeList,
} as const;
