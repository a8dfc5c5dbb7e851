// Strings of reminder rules, the digest and notifications (issue 13). Each file owns its top-level groups (see index.ts).
export const frReminders = {
  reminders: {
    admin: { nav: 'Relances' },
  },
  notificationCenter: {},
  reminderAudits: {},
};
