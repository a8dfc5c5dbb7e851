// Challenges (« défis », /sourcing/defis). Owned by the challenges feature.
export const frSourcingChallenges = {
  sourcingChallenges: {
    nav: 'Défis',
    statuses: { brouillon: 'Brouillon', ouvert: 'Ouvert', en_sourcing: 'En sourcing', clos: 'Clos' },
    outcomes: {
      solution_deployee: 'Solution déployée',
      sans_solution_retenue: 'Aucune solution retenue',
      besoin_abandonne: 'Besoin abandonné',
      reporte: 'Reporté',
    },
  },
} as const;
