CREATE TABLE "convention_kind_circuits" (
	"kind" text PRIMARY KEY NOT NULL,
	"definition_key" text NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "convention_kind_circuits_kind_check" CHECK ("convention_kind_circuits"."kind" in ('partenariat', 'cadre', 'application', 'co_construction', 'accord', 'stage_alternance', 'mecenat', 'avenant'))
);
--> statement-breakpoint
ALTER TABLE "convention_kind_circuits" ADD CONSTRAINT "convention_kind_circuits_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Reference data: every kind starts with the default circuit (src/workflows/definitions/convention-approval.workflow.ts).
INSERT INTO "convention_kind_circuits" ("kind", "definition_key") VALUES ('partenariat', 'convention-approval'), ('cadre', 'convention-approval'), ('application', 'convention-approval'), ('co_construction', 'convention-approval'), ('accord', 'convention-approval'), ('stage_alternance', 'convention-approval'), ('mecenat', 'convention-approval'), ('avenant', 'convention-approval') ON CONFLICT DO NOTHING;
