// Pilots (« expérimentations », /sourcing/pilotes). Owned by the pilots feature.
export const frSourcingPilots = {
  sourcingPilots: {
    nav: 'Expérimentations',
    statuses: { en_preparation: 'En préparation', en_cours: 'En cours', clos: 'Close' },
    decisions: { deployer: 'Déployer', prolonger: 'Prolonger', iterer: 'Itérer', arreter: 'Arrêter' },
  },
} as const;
