// Strings of the startup-meeting feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frStartupMeeting = {
  startupMeeting: {},
} as const;
