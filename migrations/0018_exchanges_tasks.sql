CREATE TABLE "app_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exchange_attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"exchange_id" uuid NOT NULL,
	"storage_key" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"uploaded_by_id" uuid,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exchange_contacts" (
	"exchange_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "exchange_contacts_pkey" PRIMARY KEY("exchange_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "exchange_organizations" (
	"exchange_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "exchange_organizations_pkey" PRIMARY KEY("exchange_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "exchange_participants" (
	"exchange_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "exchange_participants_pkey" PRIMARY KEY("exchange_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "exchange_units" (
	"exchange_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "exchange_units_pkey" PRIMARY KEY("exchange_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "exchanges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"duration_minutes" integer,
	"place" text,
	"visio_url" text,
	"subject_type" text,
	"subject_id" uuid,
	"summary" text NOT NULL,
	"notes" text,
	"outcome" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"confidential" boolean DEFAULT false NOT NULL,
	"author_id" uuid,
	"updated_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('fr_unaccent', coalesce(summary, '')), 'A')
          || setweight(to_tsvector('fr_unaccent', immutable_text_list(tags)), 'B')
          || setweight(to_tsvector('fr_unaccent', coalesce(notes, '')), 'C')) STORED NOT NULL,
	CONSTRAINT "exchanges_kind_check" CHECK ("exchanges"."kind" in ('rendez_vous', 'appel', 'visio', 'courriel', 'salon', 'visite', 'note')),
	CONSTRAINT "exchanges_outcome_check" CHECK ("exchanges"."outcome" is null or "exchanges"."outcome" in ('positive', 'neutre', 'a_relancer', 'sans_suite')),
	CONSTRAINT "exchanges_subject_type_check" CHECK ("exchanges"."subject_type" is null or "exchanges"."subject_type" in ('convention', 'sourcing_case', 'event')),
	CONSTRAINT "exchanges_subject_pair_check" CHECK (("exchanges"."subject_type" is null) = ("exchanges"."subject_id" is null)),
	CONSTRAINT "exchanges_duration_check" CHECK ("exchanges"."duration_minutes" is null or "exchanges"."duration_minutes" between 0 and 10080)
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"due_on" date NOT NULL,
	"due_time" time,
	"assignee_id" uuid NOT NULL,
	"priority" text DEFAULT 'normale' NOT NULL,
	"status" text DEFAULT 'a_faire' NOT NULL,
	"organization_id" uuid,
	"contact_id" uuid,
	"convention_id" uuid,
	"exchange_id" uuid,
	"created_by_id" uuid,
	"done_at" timestamp with time zone,
	"done_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_status_check" CHECK ("tasks"."status" in ('a_faire', 'faite', 'annulee')),
	CONSTRAINT "tasks_priority_check" CHECK ("tasks"."priority" in ('basse', 'normale', 'haute')),
	CONSTRAINT "tasks_done_check" CHECK (("tasks"."status" = 'faite') = ("tasks"."done_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "app_settings" ADD CONSTRAINT "app_settings_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_attachments" ADD CONSTRAINT "exchange_attachments_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_attachments" ADD CONSTRAINT "exchange_attachments_uploaded_by_id_users_id_fk" FOREIGN KEY ("uploaded_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_contacts" ADD CONSTRAINT "exchange_contacts_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_contacts" ADD CONSTRAINT "exchange_contacts_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_organizations" ADD CONSTRAINT "exchange_organizations_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_organizations" ADD CONSTRAINT "exchange_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_participants" ADD CONSTRAINT "exchange_participants_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_participants" ADD CONSTRAINT "exchange_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_units" ADD CONSTRAINT "exchange_units_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_units" ADD CONSTRAINT "exchange_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchanges" ADD CONSTRAINT "exchanges_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchanges" ADD CONSTRAINT "exchanges_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_convention_id_conventions_id_fk" FOREIGN KEY ("convention_id") REFERENCES "public"."conventions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_exchange_id_exchanges_id_fk" FOREIGN KEY ("exchange_id") REFERENCES "public"."exchanges"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_done_by_id_users_id_fk" FOREIGN KEY ("done_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exchange_attachments_exchange_idx" ON "exchange_attachments" USING btree ("exchange_id");--> statement-breakpoint
CREATE INDEX "exchange_contacts_timeline_idx" ON "exchange_contacts" USING btree ("contact_id","occurred_at","exchange_id");--> statement-breakpoint
CREATE INDEX "exchange_organizations_timeline_idx" ON "exchange_organizations" USING btree ("organization_id","occurred_at","exchange_id");--> statement-breakpoint
CREATE INDEX "exchange_participants_user_idx" ON "exchange_participants" USING btree ("user_id","occurred_at","exchange_id");--> statement-breakpoint
CREATE INDEX "exchange_units_unit_idx" ON "exchange_units" USING btree ("unit_id","occurred_at","exchange_id");--> statement-breakpoint
CREATE UNIQUE INDEX "exchanges_source_ref_key" ON "exchanges" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "exchanges_occurred_idx" ON "exchanges" USING btree ("occurred_at","id");--> statement-breakpoint
CREATE INDEX "exchanges_author_occurred_idx" ON "exchanges" USING btree ("author_id","occurred_at");--> statement-breakpoint
CREATE INDEX "exchanges_kind_occurred_idx" ON "exchanges" USING btree ("kind","occurred_at");--> statement-breakpoint
CREATE INDEX "exchanges_subject_idx" ON "exchanges" USING btree ("subject_type","subject_id","occurred_at");--> statement-breakpoint
CREATE INDEX "exchanges_search_idx" ON "exchanges" USING gin ("search_document");--> statement-breakpoint
CREATE INDEX "exchanges_tags_idx" ON "exchanges" USING gin ("tags");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_source_ref_key" ON "tasks" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "tasks_assignee_status_due_idx" ON "tasks" USING btree ("assignee_id","status","due_on");--> statement-breakpoint
CREATE INDEX "tasks_open_due_idx" ON "tasks" USING btree ("due_on") WHERE "tasks"."status" = 'a_faire';--> statement-breakpoint
CREATE INDEX "tasks_organization_idx" ON "tasks" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "tasks_contact_idx" ON "tasks" USING btree ("contact_id","created_at");--> statement-breakpoint
CREATE INDEX "tasks_convention_idx" ON "tasks" USING btree ("convention_id","created_at");--> statement-breakpoint
CREATE INDEX "tasks_exchange_idx" ON "tasks" USING btree ("exchange_id");