// Strings of the reciprocity cadence (issue 13). Each file owns its top-level groups (see index.ts).
export const frReciprocity = {
  reciprocity: {
    admin: { nav: 'Réciprocité' },
  },
  reciprocityAudits: {},
};
