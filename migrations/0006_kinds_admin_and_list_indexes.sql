ALTER TABLE "organization_kinds" ADD COLUMN "description" text;--> statement-breakpoint
CREATE INDEX "organizations_live_status_region_idx" ON "organizations" USING btree ("status","region_code") WHERE merged_into_id is null and archived_at is null;--> statement-breakpoint
CREATE INDEX "organizations_live_kind_activity_idx" ON "organizations" USING btree ("kind_code",coalesce("last_activity_at", "created_at")) WHERE merged_into_id is null and archived_at is null;--> statement-breakpoint
CREATE INDEX "organizations_live_region_idx" ON "organizations" USING btree ("region_code") WHERE merged_into_id is null and archived_at is null;--> statement-breakpoint
CREATE INDEX "organizations_live_department_idx" ON "organizations" USING btree ("department_code") WHERE merged_into_id is null and archived_at is null;--> statement-breakpoint
CREATE INDEX "organizations_live_owner_idx" ON "organizations" USING btree ("owner_id") WHERE merged_into_id is null and archived_at is null;--> statement-breakpoint
CREATE INDEX "organizations_live_activity_idx" ON "organizations" USING btree (coalesce("last_activity_at", "created_at")) WHERE merged_into_id is null and archived_at is null;