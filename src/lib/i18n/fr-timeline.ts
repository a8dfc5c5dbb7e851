// Strings of the timeline feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frTimeline = {
  timeline: {},
} as const;
