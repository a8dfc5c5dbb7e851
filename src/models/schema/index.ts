// Every table, for Drizzle's typed queries and for drizzle-kit (see drizzle.config.ts).
export * from './users.schema';
export * from './audit.schema';
export * from './messaging.schema';
export * from './organizations.schema';
export * from './contacts.schema';
export * from './imports.schema';
export * from './conventions.schema';
export * from './workflows.schema';
export * from './convention-circuits.schema';
export * from './exchanges.schema';
export * from './events.schema';
export * from './reminders.schema';
export * from './sourcing.schema';
