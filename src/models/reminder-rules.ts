// The built-in reminder rules (issue 13): pure definitions, no I/O (in models, like SETTING_DEFAULTS, so the settings model can merge them). An admin changes a rule's
// offsets, time, on/off and « mandatory » at /admin/relances (rows of reminder_rule_settings
// override `defaults`); each user chooses per rule in /compte between individual e-mails, the
// daily digest only, or nothing — except for a rule marked mandatory.
// The sweep (src/jobs/reminder-sweep.job.ts) plans the occurrences of every enabled rule;
// src/services/reminders.service.ts owns the planning queries' use and the dispatch.

export const REMINDER_RULE_CODES = [
  'meeting.day_before',
  'meeting.morning_of',
  'task.due_today',
  'task.overdue',
  'convention.end',
  'convention.notice',
  'reciprocity.behind',
  'workflow.step_overdue',
  'digest.daily',
  'event.partner_day_before',
  'sourcing.pilot_end',
  'sourcing.pilot_overdue',
] as const;
export type ReminderRuleCode = (typeof REMINDER_RULE_CODES)[number];

export interface ReminderRuleDefaults {
  enabled: boolean;
  mandatory: boolean;
  /** Days before the date reminded of; 0 = that day; for « overdue » rules, days after (see rule). */
  offsetsDays: number[];
  /** Paris wall-clock time, 'HH:MM'. */
  sendTime: string;
}

export interface ReminderRuleDefinition {
  code: ReminderRuleCode;
  /** Who receives it: the institution's users, or partners' contacts (partner-mail rules apply). */
  audience: 'internal' | 'partner';
  /** Whether a user can choose courriel / résumé / aucun for it in /compte. */
  userChoice: boolean;
  /** Whether the offsets are editable (a digest or an overdue notice has none to choose). */
  offsetsEditable: boolean;
  /**
   * Set by another part of the application: approval steps' reminders and escalations follow each
   * circuit's own delays (/admin/circuits-des-conventions) and always go by e-mail; the rule lists
   * them in the preview and the digest, and /admin/relances says where they are set.
   */
  settingsElsewhere?: 'circuits';
  defaults: ReminderRuleDefaults;
}

const rule = (
  code: ReminderRuleCode,
  defaults: ReminderRuleDefaults,
  options: { audience?: 'internal' | 'partner'; userChoice?: boolean; offsetsEditable?: boolean; settingsElsewhere?: 'circuits' } = {},
): ReminderRuleDefinition => ({
  code,
  audience: options.audience ?? 'internal',
  userChoice: options.userChoice ?? true,
  offsetsEditable: options.offsetsEditable ?? true,
  ...(options.settingsElsewhere ? { settingsElsewhere: options.settingsElsewhere } : {}),
  defaults,
});

export const REMINDER_RULES: Record<ReminderRuleCode, ReminderRuleDefinition> = {
  /** An exchange or event tomorrow → its internal participants (J-1 at 17:00). */
  'meeting.day_before': rule('meeting.day_before', { enabled: true, mandatory: false, offsetsDays: [1], sendTime: '17:00' }),
  /** The same, the morning of the day (07:30). */
  'meeting.morning_of': rule('meeting.morning_of', { enabled: true, mandatory: false, offsetsDays: [0], sendTime: '07:30' }),
  /** A task due today → its assignee. */
  'task.due_today': rule('task.due_today', { enabled: true, mandatory: false, offsetsDays: [0], sendTime: '08:00' }),
  /** A task overdue → its assignee, once (the day after its due day); afterwards only in the digest. */
  'task.overdue': rule('task.overdue', { enabled: true, mandatory: false, offsetsDays: [-1], sendTime: '08:00' }, { offsetsEditable: false }),
  /** A convention's end date at J-90, J-30, J-7 → its owner and its unit's managers. */
  'convention.end': rule('convention.end', { enabled: true, mandatory: false, offsetsDays: [90, 30, 7], sendTime: '08:00' }),
  /** A convention's notice deadline (préavis) at J-90, J-30, J-7 → the same people. */
  'convention.notice': rule('convention.notice', { enabled: true, mandatory: true, offsetsDays: [90, 30, 7], sendTime: '08:00' }),
  /** A partnership becomes « en retard », or will within 30 days → its owner; at most once a month per partnership. */
  'reciprocity.behind': rule('reciprocity.behind', { enabled: true, mandatory: false, offsetsDays: [30], sendTime: '08:00' }),
  /** An approval step past its deadline (the workflow engine's reminder and escalation, same mechanism). */
  'workflow.step_overdue': rule(
    'workflow.step_overdue',
    { enabled: true, mandatory: true, offsetsDays: [0], sendTime: '08:00' },
    { offsetsEditable: false, userChoice: false, settingsElsewhere: 'circuits' },
  ),
  /** One e-mail per user at 08:00 on working days: tasks, meetings of the day, deadlines, approvals; none when empty. */
  'digest.daily': rule('digest.daily', { enabled: true, mandatory: false, offsetsDays: [0], sendTime: '08:00' }, { offsetsEditable: false }),
  /** An invited contact who accepted gets a reminder the day before the event (partner-facing). */
  'event.partner_day_before': rule(
    'event.partner_day_before',
    { enabled: true, mandatory: false, offsetsDays: [1], sendTime: '09:00' },
    { audience: 'partner', userChoice: false },
  ),
  /** A pilot (« expérimentation ») en cours whose end date is in 7 days, then that day → its decision owner. */
  'sourcing.pilot_end': rule('sourcing.pilot_end', { enabled: true, mandatory: false, offsetsDays: [7, 0], sendTime: '08:00' }),
  /**
   * A pilot en cours past its end date without a decision (« no pilot purgatory ») → its decision
   * owner and the case's owner, the day after the end date, then every week until decided.
   */
  'sourcing.pilot_overdue': rule('sourcing.pilot_overdue', { enabled: true, mandatory: false, offsetsDays: [-1], sendTime: '08:00' }, { offsetsEditable: false }),
};

export function isReminderRuleCode(value: string): value is ReminderRuleCode {
  return (REMINDER_RULE_CODES as readonly string[]).includes(value);
}
