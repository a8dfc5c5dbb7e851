CREATE TABLE "event_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"organization_id" uuid,
	"response" text DEFAULT 'en_attente' NOT NULL,
	"responded_at" timestamp with time zone,
	"sent_sequence" integer,
	"sent_at" timestamp with time zone,
	"not_sent_reason" text,
	"attendance" text,
	"attendance_recorded_at" timestamp with time zone,
	"attendance_recorded_by_id" uuid,
	"invited_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_invitations_response_check" CHECK ("event_invitations"."response" in ('en_attente', 'accepte', 'decline', 'peut_etre')),
	CONSTRAINT "event_invitations_attendance_check" CHECK ("event_invitations"."attendance" is null or "event_invitations"."attendance" in ('present', 'absent', 'excuse'))
);
--> statement-breakpoint
CREATE TABLE "event_organizations" (
	"event_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"concerned" boolean DEFAULT true NOT NULL,
	"attended" boolean DEFAULT false NOT NULL,
	CONSTRAINT "event_organizations_pkey" PRIMARY KEY("event_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "event_participants" (
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	CONSTRAINT "event_participants_pkey" PRIMARY KEY("event_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"place" text,
	"visio_url" text,
	"unit_id" uuid,
	"owner_id" uuid,
	"capacity" integer,
	"status" text DEFAULT 'planifie' NOT NULL,
	"cancelled_at" timestamp with time zone,
	"cancel_reason" text,
	"ics_sequence" integer DEFAULT 0 NOT NULL,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_kind_check" CHECK ("events"."kind" in ('conference_metier', 'rencontre_partenaires', 'job_dating', 'master_class', 'webinaire', 'conseil_perfectionnement', 'comite_pilotage', 'visite_site', 'salon')),
	CONSTRAINT "events_status_check" CHECK ("events"."status" in ('planifie', 'annule')),
	CONSTRAINT "events_period_check" CHECK ("events"."ends_at" > "events"."starts_at"),
	CONSTRAINT "events_capacity_check" CHECK ("events"."capacity" is null or "events"."capacity" > 0)
);
--> statement-breakpoint
CREATE TABLE "calendar_feeds" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"last_fetched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reciprocity_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"scope_code" text NOT NULL,
	"minimum" integer NOT NULL,
	"target" integer NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reciprocity_targets_scope_check" CHECK ("reciprocity_targets"."scope" in ('organization_kind', 'convention_kind')),
	CONSTRAINT "reciprocity_targets_figures_check" CHECK ("reciprocity_targets"."minimum" >= 0 and "reciprocity_targets"."target" >= "reciprocity_targets"."minimum" and "reciprocity_targets"."target" <= 52)
);
--> statement-breakpoint
CREATE TABLE "reminder_occurrences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule_code" text NOT NULL,
	"offset_days" integer DEFAULT 0 NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"occurs_on" date NOT NULL,
	"recipient_key" text NOT NULL,
	"user_id" uuid,
	"contact_id" uuid,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'planifiee' NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"delivery" text,
	"email_id" uuid,
	"digest_id" uuid,
	"handled_at" timestamp with time zone,
	"cancel_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reminder_occurrences_status_check" CHECK ("reminder_occurrences"."status" in ('planifiee', 'envoyee', 'resumee', 'ignoree', 'annulee')),
	CONSTRAINT "reminder_occurrences_recipient_check" CHECK (("reminder_occurrences"."user_id" is null) <> ("reminder_occurrences"."contact_id" is null))
);
--> statement-breakpoint
CREATE TABLE "reminder_rule_settings" (
	"rule_code" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"mandatory" boolean DEFAULT false NOT NULL,
	"offsets_days" integer[] DEFAULT '{}'::int[] NOT NULL,
	"send_time" text DEFAULT '08:00' NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_reminder_preferences" (
	"user_id" uuid NOT NULL,
	"rule_code" text NOT NULL,
	"mode" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_reminder_preferences_pkey" PRIMARY KEY("user_id","rule_code"),
	CONSTRAINT "user_reminder_preferences_mode_check" CHECK ("user_reminder_preferences"."mode" in ('courriel', 'resume', 'aucun'))
);
--> statement-breakpoint
ALTER TABLE "emails" ADD COLUMN "reply_to" text;--> statement-breakpoint
ALTER TABLE "emails" ADD COLUMN "extra_headers" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "emails" ADD COLUMN "calendar" jsonb;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "followed_partner" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "email_opt_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "email_opt_out_source" text;--> statement-breakpoint
ALTER TABLE "event_invitations" ADD CONSTRAINT "event_invitations_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_invitations" ADD CONSTRAINT "event_invitations_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_invitations" ADD CONSTRAINT "event_invitations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_invitations" ADD CONSTRAINT "event_invitations_attendance_recorded_by_id_users_id_fk" FOREIGN KEY ("attendance_recorded_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_invitations" ADD CONSTRAINT "event_invitations_invited_by_id_users_id_fk" FOREIGN KEY ("invited_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_organizations" ADD CONSTRAINT "event_organizations_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_organizations" ADD CONSTRAINT "event_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_participants" ADD CONSTRAINT "event_participants_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_participants" ADD CONSTRAINT "event_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reciprocity_targets" ADD CONSTRAINT "reciprocity_targets_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "reminder_occurrences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "reminder_occurrences_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "reminder_occurrences_email_id_emails_id_fk" FOREIGN KEY ("email_id") REFERENCES "public"."emails"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_rule_settings" ADD CONSTRAINT "reminder_rule_settings_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_reminder_preferences" ADD CONSTRAINT "user_reminder_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "event_invitations_event_contact_key" ON "event_invitations" USING btree ("event_id","contact_id");--> statement-breakpoint
CREATE INDEX "event_invitations_contact_idx" ON "event_invitations" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "event_invitations_organization_idx" ON "event_invitations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "event_organizations_timeline_idx" ON "event_organizations" USING btree ("organization_id","starts_at","event_id");--> statement-breakpoint
CREATE INDEX "event_participants_user_idx" ON "event_participants" USING btree ("user_id","starts_at","event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_source_ref_key" ON "events" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "events_starts_idx" ON "events" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "events_unit_starts_idx" ON "events" USING btree ("unit_id","starts_at");--> statement-breakpoint
CREATE INDEX "events_owner_starts_idx" ON "events" USING btree ("owner_id","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reciprocity_targets_scope_key" ON "reciprocity_targets" USING btree ("scope","scope_code");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_occurrences_key" ON "reminder_occurrences" USING btree ("rule_code","offset_days","subject_type","subject_id","occurs_on","recipient_key");--> statement-breakpoint
CREATE INDEX "reminder_occurrences_due_idx" ON "reminder_occurrences" USING btree ("due_at") WHERE "reminder_occurrences"."status" = 'planifiee';--> statement-breakpoint
CREATE INDEX "reminder_occurrences_subject_idx" ON "reminder_occurrences" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "reminder_occurrences_user_idx" ON "reminder_occurrences" USING btree ("user_id","due_at");--> statement-breakpoint
CREATE INDEX "reminder_occurrences_digest_idx" ON "reminder_occurrences" USING btree ("user_id","status") WHERE "reminder_occurrences"."status" = 'resumee' and "reminder_occurrences"."digest_id" is null;--> statement-breakpoint
CREATE INDEX "organizations_followed_idx" ON "organizations" USING btree ("id") WHERE "organizations"."followed_partner";--> statement-breakpoint
CREATE INDEX "notifications_unread_idx" ON "notifications" USING btree ("user_id") WHERE "notifications"."read_at" is null;