// Strings of reciprocity events, invitations and RSVP pages (issue 13). Each file owns its top-level groups (see index.ts).
export const frEvents = {
  events: {
    nav: 'Événements',
  },
  eventAudits: {},
};
