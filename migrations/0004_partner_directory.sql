CREATE TABLE "duplicate_dismissals" (
	"entity_type" text NOT NULL,
	"first_id" uuid NOT NULL,
	"second_id" uuid NOT NULL,
	"dismissed_by_id" uuid,
	"dismissed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duplicate_dismissals_entity_type_first_id_second_id_pk" PRIMARY KEY("entity_type","first_id","second_id")
);
--> statement-breakpoint
CREATE TABLE "organization_units" (
	"organization_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	CONSTRAINT "organization_units_organization_id_unit_id_pk" PRIMARY KEY("organization_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "record_merges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"entity_type" text NOT NULL,
	"kept_id" uuid NOT NULL,
	"merged_id" uuid NOT NULL,
	"kept_before" jsonb NOT NULL,
	"merged_before" jsonb NOT NULL,
	"moved_relations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"merged_by_id" uuid,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by_id" uuid
);
--> statement-breakpoint
CREATE TABLE "restricted_fields" (
	"entity_type" text NOT NULL,
	"field" text NOT NULL,
	"restricted_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "restricted_fields_entity_type_field_pk" PRIMARY KEY("entity_type","field")
);
--> statement-breakpoint
CREATE TABLE "affiliations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"role" text,
	"start_date" date,
	"end_date" date,
	"is_primary" boolean DEFAULT false NOT NULL,
	"import_batch_id" uuid,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "affiliations_dates_check" CHECK ("affiliations"."end_date" is null or "affiliations"."start_date" is null or "affiliations"."end_date" >= "affiliations"."start_date")
);
--> statement-breakpoint
CREATE TABLE "contact_units" (
	"contact_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	CONSTRAINT "contact_units_contact_id_unit_id_pk" PRIMARY KEY("contact_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"civility" text,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text NOT NULL,
	"job_title" text,
	"emails" text[] DEFAULT '{}'::text[] NOT NULL,
	"phones" text[] DEFAULT '{}'::text[] NOT NULL,
	"linkedin_url" text,
	"owner_id" uuid,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"notes" text,
	"legal_basis" text DEFAULT 'interet_legitime' NOT NULL,
	"source" text,
	"consent_at" timestamp with time zone,
	"email_opt_out" boolean DEFAULT false NOT NULL,
	"last_activity_at" timestamp with time zone,
	"source_ref" text,
	"merged_into_id" uuid,
	"import_batch_id" uuid,
	"erased_at" timestamp with time zone,
	"erased_by_id" uuid,
	"erasure_reason" text,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	"archived_by_id" uuid,
	"search_name" text GENERATED ALWAYS AS (lower(immutable_unaccent(first_name || ' ' || last_name))) STORED NOT NULL,
	"search_document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', immutable_unaccent(first_name || ' ' || last_name)), 'A')
          || setweight(to_tsvector('fr_unaccent', coalesce(job_title, '') || ' ' || immutable_text_list(tags)), 'B')
          || setweight(to_tsvector('simple', immutable_text_list(emails) || ' ' || immutable_text_list(phones)), 'C')) STORED NOT NULL,
	CONSTRAINT "contacts_civility_check" CHECK ("contacts"."civility" is null or "contacts"."civility" in ('M.', 'Mme')),
	CONSTRAINT "contacts_legal_basis_check" CHECK ("contacts"."legal_basis" in ('interet_legitime', 'consentement', 'contrat', 'mission_interet_public'))
);
--> statement-breakpoint
DROP INDEX "organizations_kind_idx";--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "siren" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "website_domain" text GENERATED ALWAYS AS (nullif(lower(regexp_replace(website, '^([a-zA-Z]+://)?(www\.)?([^/:?#]+).*$', '\3')), '')) STORED;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "commune_code" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "last_activity_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "import_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "archived_by_id" uuid;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "search_name" text GENERATED ALWAYS AS (lower(immutable_unaccent(name || ' ' || coalesce(acronym, '')))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "search_document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('fr_unaccent', coalesce(name, '') || ' ' || coalesce(acronym, '')), 'A')
          || setweight(to_tsvector('fr_unaccent', coalesce(city, '') || ' ' || immutable_text_list(tags)), 'B')
          || setweight(to_tsvector('simple', coalesce(siren, '') || ' ' || coalesce(siret, '') || ' ' || immutable_text_list(uai) || ' ' || coalesce(email, '') || ' ' || coalesce(postal_code, '')), 'C')
          || setweight(to_tsvector('fr_unaccent', coalesce(description, '')), 'D')) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "duplicate_dismissals" ADD CONSTRAINT "duplicate_dismissals_dismissed_by_id_users_id_fk" FOREIGN KEY ("dismissed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_units" ADD CONSTRAINT "organization_units_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_units" ADD CONSTRAINT "organization_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_merges" ADD CONSTRAINT "record_merges_merged_by_id_users_id_fk" FOREIGN KEY ("merged_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_merges" ADD CONSTRAINT "record_merges_undone_by_id_users_id_fk" FOREIGN KEY ("undone_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restricted_fields" ADD CONSTRAINT "restricted_fields_restricted_by_id_users_id_fk" FOREIGN KEY ("restricted_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliations" ADD CONSTRAINT "affiliations_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliations" ADD CONSTRAINT "affiliations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliations" ADD CONSTRAINT "affiliations_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_units" ADD CONSTRAINT "contact_units_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_units" ADD CONSTRAINT "contact_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_merged_into_id_contacts_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_erased_by_id_users_id_fk" FOREIGN KEY ("erased_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_archived_by_id_users_id_fk" FOREIGN KEY ("archived_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organization_units_unit_idx" ON "organization_units" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "record_merges_kept_idx" ON "record_merges" USING btree ("entity_type","kept_id");--> statement-breakpoint
CREATE INDEX "record_merges_merged_idx" ON "record_merges" USING btree ("entity_type","merged_id");--> statement-breakpoint
CREATE INDEX "affiliations_contact_idx" ON "affiliations" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "affiliations_organization_idx" ON "affiliations" USING btree ("organization_id","end_date");--> statement-breakpoint
CREATE INDEX "contact_units_unit_idx" ON "contact_units" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_source_ref_key" ON "contacts" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "contacts_name_sort_idx" ON "contacts" USING btree (lower("last_name"),lower("first_name"),"id");--> statement-breakpoint
CREATE INDEX "contacts_owner_idx" ON "contacts" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "contacts_updated_idx" ON "contacts" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "contacts_activity_idx" ON "contacts" USING btree ("last_activity_at","id");--> statement-breakpoint
CREATE INDEX "contacts_emails_idx" ON "contacts" USING gin ("emails");--> statement-breakpoint
CREATE INDEX "contacts_tags_idx" ON "contacts" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "contacts_search_idx" ON "contacts" USING gin ("search_document");--> statement-breakpoint
CREATE INDEX "contacts_search_name_trgm_idx" ON "contacts" USING gin ("search_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_import_batch_idx" ON "contacts" USING btree ("import_batch_id");--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_merged_into_id_organizations_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."organizations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_archived_by_id_users_id_fk" FOREIGN KEY ("archived_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organizations_status_idx" ON "organizations" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "organizations_region_idx" ON "organizations" USING btree ("region_code","id");--> statement-breakpoint
CREATE INDEX "organizations_department_idx" ON "organizations" USING btree ("department_code","id");--> statement-breakpoint
CREATE INDEX "organizations_owner_idx" ON "organizations" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "organizations_name_sort_idx" ON "organizations" USING btree (lower("name"),"id");--> statement-breakpoint
CREATE INDEX "organizations_updated_idx" ON "organizations" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "organizations_activity_idx" ON "organizations" USING btree ("last_activity_at","id");--> statement-breakpoint
CREATE INDEX "organizations_siren_idx" ON "organizations" USING btree ("siren");--> statement-breakpoint
CREATE INDEX "organizations_website_domain_idx" ON "organizations" USING btree ("website_domain");--> statement-breakpoint
CREATE INDEX "organizations_uai_idx" ON "organizations" USING gin ("uai");--> statement-breakpoint
CREATE INDEX "organizations_tags_idx" ON "organizations" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "organizations_search_idx" ON "organizations" USING gin ("search_document");--> statement-breakpoint
CREATE INDEX "organizations_search_name_trgm_idx" ON "organizations" USING gin ("search_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "organizations_import_batch_idx" ON "organizations" USING btree ("import_batch_id");--> statement-breakpoint
CREATE INDEX "organizations_kind_idx" ON "organizations" USING btree ("kind_code","id");