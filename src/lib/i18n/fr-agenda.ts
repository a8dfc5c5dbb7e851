// Strings of the agenda, the iCal feed and .ics downloads (issue 13). Each file owns its top-level groups (see index.ts).
export const frAgenda = {
  agenda: {
    nav: 'Agenda',
  },
  agendaAudits: {},
};
