// Strings of partner-facing e-mail rules and the unsubscribe pages (issue 13). Each file owns its top-level groups (see index.ts).
export const frPartnerMail = {
  partnerMail: {
    // Why a partner-facing e-mail may not go (shown to the sender).
    refused: {
      erased: 'Ce contact a été effacé (RGPD) : aucun courriel ne lui est envoyé.',
      optedOut: 'Ce contact s’est désabonné des courriels le {date} ({source}).',
      optedOutUndated: 'Ce contact a refusé de recevoir des courriels.',
      noAddress: 'Aucune adresse électronique n’est renseignée pour ce contact.',
      noConsent: 'La base légale de ce contact est le consentement, mais aucune date de consentement n’est enregistrée : renseignez-la sur sa fiche avant de lui écrire.',
    },
    sources: {
      lien_desabonnement: 'lien de désabonnement',
      utilisateur: 'saisi par un utilisateur',
      import: 'import',
    },
    // The footer of partner-facing e-mails: why they receive it, how to stop.
    footer: {
      why: {
        consentement: 'Vous recevez ce message parce que vous avez accepté de recevoir nos courriels ({institution}).',
        interet_legitime: 'Vous recevez ce message parce que vous êtes en relation professionnelle avec nos services ({institution}) dans le cadre de nos partenariats.',
        contrat: 'Vous recevez ce message dans le cadre de la convention qui lie votre structure à nos services ({institution}).',
        mission_interet_public: 'Vous recevez ce message parce que votre structure est associée à nos missions de service public ({institution}).',
      },
      replyTo: 'Pour toute question, répondez simplement à ce message : votre réponse parviendra à {name}.',
      noReply: 'Ce message a été envoyé automatiquement par Passerelle ; merci de ne pas y répondre.',
      unsubscribe: 'Ne plus recevoir ces courriels',
      unsubscribeText: 'Pour ne plus recevoir ces courriels :',
    },
    // The contact page.
    contactPanel: {
      title: 'Courriels aux partenaires',
      allowed: 'Peut recevoir les invitations et rappels envoyés aux partenaires.',
      allowedBadge: 'Autorisés',
      refusedBadge: 'Non envoyés',
      setButton: 'Désabonner ce contact',
      setConfirm: 'Ce contact ne recevra plus aucun courriel envoyé aux partenaires (invitations, rappels). Continuer ?',
      clearButton: 'Réautoriser les courriels',
      clearConfirm: 'Ne réautorisez les courriels que si la personne l’a demandé. Continuer ?',
      setDone: 'Le contact est désabonné des courriels.',
      clearDone: 'Le contact peut de nouveau recevoir des courriels.',
    },
    // /desabonnement/:token
    page: {
      title: 'Désabonnement',
      confirmTitle: 'Ne plus recevoir nos courriels',
      confirmIntro: 'Vous ne recevrez plus les invitations et rappels envoyés par Passerelle ({institution}) à l’adresse {address}.',
      confirmButton: 'Me désabonner',
      confirmHint: 'Un seul clic suffit ; aucune autre information ne vous est demandée.',
      doneTitle: 'Vous êtes désabonné',
      doneIntro: 'L’adresse {address} ne recevra plus les invitations et rappels envoyés par Passerelle ({institution}).',
      doneAlready: 'Votre désabonnement avait déjà été enregistré le {date}.',
      doneContact: 'Si vous souhaitez de nouveau recevoir nos courriels, écrivez à votre interlocuteur habituel.',
      alreadyTitle: 'Vous êtes déjà désabonné',
      invalidTitle: 'Lien de désabonnement invalide',
      invalidIntro: 'Ce lien de désabonnement n’est pas valide : il a peut-être été copié de façon incomplète. Utilisez le lien tel qu’il figure au bas du courriel reçu, ou répondez à ce courriel pour demander votre désabonnement.',
      unknownTitle: 'Contact introuvable',
      unknownIntro: 'Ce lien ne correspond plus à aucun contact enregistré : vous ne recevrez plus de courriels à ce titre.',
    },
  },
  partnerMailAudits: {
    'contact.unsubscribed': 'Désabonnement des courriels (lien)',
    'contact.email_opt_out_set': 'Désabonnement des courriels (saisi)',
    'contact.email_opt_out_cleared': 'Courriels réautorisés',
  },
};
