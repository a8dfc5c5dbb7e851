// Strings of event invitations, RSVP pages and the invitation e-mails (issue 13). Each file owns its top-level groups (see index.ts).
export const frEventInvitations = {
  eventInvitations: {},
  rsvp: {},
};
