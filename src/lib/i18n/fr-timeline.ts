// Strings of the timeline feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frTimeline = {
  timeline: {
    title: 'Historique',
    pageTitle: 'Historique — {name}',
    empty: 'Aucun évènement pour le moment.',
    emptyFiltered: 'Aucun évènement ne correspond à ces filtres.',
    count: '{count} évènement(s)',
    more: 'Voir plus',
    firstPage: 'Revenir aux plus récents',
    backToRecord: 'Retour à la fiche',
    types: {
      echange: 'Échanges',
      evenement: 'Événements',
      tache: 'Tâches',
      modification: 'Modifications',
      circuit: 'Circuit de validation',
      document: 'Documents',
      fusion: 'Fusions',
      sourcing: 'Sourcing',
    },
    /** Issue 14: the case's and the challenge's timelines. */
    caseRecord: 'Piste de sourcing',
    challengeNotFound: 'Ce défi n’existe pas.',
    sourcingCrumb: 'Sourcing',
    challengesCrumb: 'Défis',
    with: {
      contacts: 'Inclure ses contacts',
      conventions: 'Inclure ses conventions',
    },
    filters: {
      types: 'Types',
      from: 'Du',
      to: 'Au',
      with: 'Étendre',
      apply: 'Filtrer',
      reset: 'Réinitialiser',
    },
    exchange: {
      by: 'par {name}',
      outcome: 'Suite',
      confidential: 'Confidentiel',
    },
    event: {
      attended: 'Présente',
      present: 'Présent',
      cancelled: 'Annulé',
      attendedBy: 'structures présentes : ',
    },
    task: {
      created: 'Tâche créée',
      done: 'Tâche faite',
      dueOn: 'échéance le {date}',
      assignee: 'pour {name}',
      by: 'par {name}',
      highPriority: 'Priorité haute',
    },
    reminder: {
      title: 'Relance de validation envoyée',
      to: 'à {name}',
    },
  },
} as const;
