CREATE TABLE "duplicate_name_pairs" (
	"entity_type" text NOT NULL,
	"first_id" uuid NOT NULL,
	"second_id" uuid NOT NULL,
	"similarity" real NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duplicate_name_pairs_entity_type_first_id_second_id_pk" PRIMARY KEY("entity_type","first_id","second_id")
);
--> statement-breakpoint
CREATE TABLE "duplicate_scan_state" (
	"entity_type" text PRIMARY KEY NOT NULL,
	"last_updated_at" timestamp with time zone,
	"last_id" uuid,
	"scanned_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "duplicate_name_pairs_second_idx" ON "duplicate_name_pairs" USING btree ("entity_type","second_id");