// The funnel (/sourcing/statistiques). Owned by the statistics feature.
export const frSourcingStats = {
  sourcingStats: {
    nav: 'Statistiques',
  },
} as const;
