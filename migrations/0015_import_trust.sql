ALTER TABLE "organizations" ADD COLUMN "other_sirets" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "import_batches" ADD COLUMN "unchanged_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_batches" ADD COLUMN "ambiguous_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_batches" ADD COLUMN "warning_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_batches" ADD COLUMN "row_choices" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "import_presets" ADD COLUMN "headers" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "import_presets" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "import_rows" ADD COLUMN "warnings" jsonb;--> statement-breakpoint
ALTER TABLE "import_rows" ADD COLUMN "changes" jsonb;--> statement-breakpoint
ALTER TABLE "import_rows" ADD COLUMN "candidate_ids" uuid[];--> statement-breakpoint
ALTER TABLE "import_rows" ADD COLUMN "same_key_rows" integer[];--> statement-breakpoint
CREATE INDEX "organizations_other_sirets_idx" ON "organizations" USING gin ("other_sirets");--> statement-breakpoint
CREATE INDEX "import_rows_warnings_idx" ON "import_rows" USING btree ("batch_id","row_number") WHERE warnings is not null;