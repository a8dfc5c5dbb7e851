// Sourcing cases (« pistes ») and the kanban (/sourcing). Owned by the cases feature.
export const frSourcingCases = {
  sourcingCases: {
    nav: { group: 'Sourcing', kanban: 'Pipeline (kanban)' },
    notFound: 'Cette piste n’existe pas ou vous n’y avez pas accès.',
    stages: {
      reperee: 'Repérée',
      qualifiee: 'Qualifiée',
      rencontree: 'Rencontrée',
      evaluee: 'Évaluée',
      experimentation: 'Expérimentation',
      contractualisation: 'Contractualisation',
      deployee: 'Déployée',
      en_veille: 'En veille',
      abandonnee: 'Abandonnée',
    },
    sources: {
      salon: 'Salon',
      concours_ilab: 'Concours i-Lab',
      incubateur: 'Incubateur',
      candidature_spontanee: 'Candidature spontanée',
      recommandation: 'Recommandation',
      veille: 'Veille',
    },
    errors: {
      notYours: 'Seuls les chargés et managers de l’unité de la piste (ou son responsable) peuvent la modifier ou la déplacer.',
      movedMeanwhile: 'Cette piste a été déplacée entre-temps : elle est maintenant à l’étape « {stage} ». Rechargez la page.',
      needsGate: 'Le passage à l’étape « {stage} » se décide en comité de sourcing : choisissez les évaluateurs pour lancer le comité.',
      moveNotAllowed: 'Une piste ne peut pas passer de « {from} » à « {to} ».',
      unknownChallenge: 'Ce défi n’existe pas.',
      challengeClosed: 'Ce défi est clos : il ne reçoit plus de pistes.',
      alreadyInChallenge: 'Cette start-up a déjà une piste dans ce défi.',
      reasonRequired: 'Indiquez la raison (obligatoire pour « en veille » et « abandonnée »).',
    },
  },
} as const;
