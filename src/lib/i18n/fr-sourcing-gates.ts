// Stage gates (« Comité de sourcing »), scorecards and the decision log. Owned by the gates feature.
export const frSourcingGates = {
  sourcingGates: {
    statuses: { en_cours: 'En cours', complement: 'Complément demandé', go: 'Go', no_go: 'No-go', annule: 'Annulé' },
  },
} as const;
