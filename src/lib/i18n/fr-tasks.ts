// Strings of the tasks feature (issue 12). Each file owns its top-level groups (see index.ts).
export const frTasks = {
  tasks: {},
  taskAudits: {},
} as const;
