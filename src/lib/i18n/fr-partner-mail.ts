// Strings of partner-facing e-mail rules and the unsubscribe pages (issue 13). Each file owns its top-level groups (see index.ts).
export const frPartnerMail = {
  partnerMail: {},
  partnerMailAudits: {},
};
