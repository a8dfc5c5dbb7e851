// Strings of the home feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frHome = {
  home: {},
} as const;
