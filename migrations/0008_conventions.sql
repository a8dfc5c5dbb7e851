CREATE TABLE "convention_document_versions" (
	"document_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"storage_key" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"uploaded_by_id" uuid,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "convention_document_versions_document_id_version_pk" PRIMARY KEY("document_id","version")
);
--> statement-breakpoint
CREATE TABLE "convention_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"convention_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "convention_documents_kind_check" CHECK ("convention_documents"."kind" in ('projet', 'signee', 'annexe'))
);
--> statement-breakpoint
CREATE TABLE "convention_parties" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"convention_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"signatory_contact_id" uuid,
	"role" text,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "convention_payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"convention_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"amount_cents" bigint NOT NULL,
	"label" text,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "convention_reference_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last_number" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conventions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"title" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'brouillon' NOT NULL,
	"parent_id" uuid,
	"is_renewal" boolean DEFAULT false NOT NULL,
	"owner_id" uuid,
	"unit_id" uuid,
	"object" text,
	"programmes" text,
	"signed_on" date,
	"starts_on" date,
	"ends_on" date,
	"notice_months" integer,
	"tacit_renewal" boolean DEFAULT false NOT NULL,
	"notice_deadline" date,
	"amount_cents" bigint,
	"currency" text DEFAULT 'EUR' NOT NULL,
	"money_direction" text DEFAULT 'sans_flux' NOT NULL,
	"clause_gdpr" boolean DEFAULT false NOT NULL,
	"clause_intellectual_property" boolean DEFAULT false NOT NULL,
	"clause_exclusivity" boolean DEFAULT false NOT NULL,
	"clause_communication" boolean DEFAULT false NOT NULL,
	"terminated_on" date,
	"termination_reason" text,
	"source_ref" text,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conventions_kind_check" CHECK ("conventions"."kind" in ('partenariat', 'cadre', 'application', 'co_construction', 'accord', 'stage_alternance', 'mecenat', 'avenant')),
	CONSTRAINT "conventions_status_check" CHECK ("conventions"."status" in ('brouillon', 'en_revue', 'modifications_demandees', 'validee', 'a_signer', 'signee', 'en_vigueur', 'echue', 'resiliee', 'renouvelee')),
	CONSTRAINT "conventions_money_direction_check" CHECK ("conventions"."money_direction" in ('recette', 'depense', 'sans_flux')),
	CONSTRAINT "conventions_avenant_parent_check" CHECK ("conventions"."kind" <> 'avenant' or "conventions"."parent_id" is not null)
);
--> statement-breakpoint
ALTER TABLE "convention_document_versions" ADD CONSTRAINT "convention_document_versions_document_id_convention_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."convention_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_document_versions" ADD CONSTRAINT "convention_document_versions_uploaded_by_id_users_id_fk" FOREIGN KEY ("uploaded_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_documents" ADD CONSTRAINT "convention_documents_convention_id_conventions_id_fk" FOREIGN KEY ("convention_id") REFERENCES "public"."conventions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_documents" ADD CONSTRAINT "convention_documents_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_parties" ADD CONSTRAINT "convention_parties_convention_id_conventions_id_fk" FOREIGN KEY ("convention_id") REFERENCES "public"."conventions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_parties" ADD CONSTRAINT "convention_parties_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_parties" ADD CONSTRAINT "convention_parties_signatory_contact_id_contacts_id_fk" FOREIGN KEY ("signatory_contact_id") REFERENCES "public"."contacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_payments" ADD CONSTRAINT "convention_payments_convention_id_conventions_id_fk" FOREIGN KEY ("convention_id") REFERENCES "public"."conventions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conventions" ADD CONSTRAINT "conventions_parent_id_conventions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."conventions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conventions" ADD CONSTRAINT "conventions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conventions" ADD CONSTRAINT "conventions_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conventions" ADD CONSTRAINT "conventions_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conventions" ADD CONSTRAINT "conventions_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "convention_documents_convention_idx" ON "convention_documents" USING btree ("convention_id");--> statement-breakpoint
CREATE UNIQUE INDEX "convention_parties_convention_organization_key" ON "convention_parties" USING btree ("convention_id","organization_id");--> statement-breakpoint
CREATE INDEX "convention_parties_organization_idx" ON "convention_parties" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "convention_payments_convention_idx" ON "convention_payments" USING btree ("convention_id","due_on");--> statement-breakpoint
CREATE UNIQUE INDEX "conventions_reference_key" ON "conventions" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "conventions_source_ref_key" ON "conventions" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "conventions_parent_idx" ON "conventions" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "conventions_status_idx" ON "conventions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "conventions_kind_idx" ON "conventions" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "conventions_unit_idx" ON "conventions" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "conventions_owner_idx" ON "conventions" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "conventions_ends_on_idx" ON "conventions" USING btree ("ends_on");--> statement-breakpoint
CREATE INDEX "conventions_notice_deadline_idx" ON "conventions" USING btree ("notice_deadline");--> statement-breakpoint
CREATE INDEX "conventions_updated_idx" ON "conventions" USING btree ("updated_at","id");