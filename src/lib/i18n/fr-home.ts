// Strings of the home feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frHome = {
  home: {
    unitLegend: 'Unité affichée',
    unitLabel: 'Unité',
    myUnits: 'Mes unités',
    show: 'Afficher',
    shownUnits: 'Unité(s) affichée(s) : {names}',
    noUnit: 'Vous n’êtes rattaché·e à aucune unité : les blocs des unités restent vides.',
    seeAll: 'Voir tout ({count})',
    seeList: 'Voir la liste',
    confidential: 'Confidentiel',
    counts: {
      title: 'En chiffres',
      exchangesThisMonth: 'échange(s) ce mois-ci',
      exchangesThisYear: 'échange(s) cette année',
      startupsThisYear: 'start-up rencontrée(s) cette année',
    },
    tasks: {
      title: 'Mes tâches',
      overdue: 'En retard ({count})',
      upcoming: 'Aujourd’hui et les 7 prochains jours ({count})',
      noOverdue: 'Aucune tâche en retard.',
      noUpcoming: 'Aucune tâche pour les 7 prochains jours.',
      due: 'Échéance : {date}',
      dueToday: 'Aujourd’hui',
      done: 'Fait',
      doneLabel: 'Marquer « {title} » comme faite',
    },
    myExchanges: {
      title: 'Mes échanges des prochains jours',
      empty: 'Aucun échange prévu dans les 7 prochains jours.',
    },
    approvals: {
      title: 'Validations en attente',
      empty: 'Aucune validation ne vous attend.',
      seeAll: 'Mes validations ({count})',
    },
    conventions: {
      title: 'Conventions à échéance (90 jours)',
      empty: 'Aucune convention de vos unités n’arrive à échéance dans les 90 jours.',
      endsOn: 'Fin le {date}',
      noticeDeadline: 'Préavis jusqu’au {date}',
      byEnd: 'Par date de fin',
      byNotice: 'Par date de préavis',
    },
    dormant: {
      title: 'Partenaires sans échange depuis {months} mois',
      empty: 'Tous les partenaires actifs de vos unités ont eu un échange depuis moins de {months} mois.',
      lastActivity: 'Dernière activité : {date}',
      never: 'Aucune activité depuis la création le {date}',
    },
    latest: {
      title: 'Derniers échanges de mes unités',
      empty: 'Aucun échange consigné pour ces unités.',
    },
    exchangeKinds: {
      rendez_vous: 'Rendez-vous',
      appel: 'Appel',
      visio: 'Visio',
      courriel: 'Courriel',
      salon: 'Salon ou événement',
      visite: 'Visite sur site',
      note: 'Note',
    },
    priorities: { basse: 'Priorité basse', normale: 'Priorité normale', haute: 'Priorité haute' },
  },
  appSettings: {
    title: 'Paramètres',
    intro: 'Réglages de l’application modifiables sans redéploiement. Chaque modification est inscrite au journal.',
    saved: 'Paramètres enregistrés.',
    unchanged: 'Aucun paramètre modifié.',
    fields: {
      dormantMonths: 'Partenaires « sans échange » après (mois)',
      retentionYears: 'Durée de conservation des échanges (années)',
    },
    hints: {
      dormantMonths: 'Tableau de bord : partenaires de mes unités sans aucun échange depuis ce nombre de mois. Entre 1 et 36.',
      retentionYears: 'Les échanges plus anciens sont proposés à la revue (RGPD). Entre 1 et 30.',
    },
    errors: {
      dormantMonths: 'Indiquez un nombre entier de mois entre 1 et 36.',
      retentionYears: 'Indiquez un nombre entier d’années entre 1 et 30.',
    },
  },
  /** Journal: action labels (searched through ACTION_GROUPS in journal.service.ts). */
  settingAudits: {
    'setting.updated': 'Paramètre modifié',
  },
  /** Journal: the fields of a setting's entry. */
  settingFields: {
    dormantMonths: 'Partenaires sans échange après (mois)',
    retentionYears: 'Conservation des échanges (années)',
  },
} as const;
