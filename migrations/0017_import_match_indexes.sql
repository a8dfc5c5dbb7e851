CREATE INDEX "organizations_name_key_idx" ON "organizations" USING btree (lower(immutable_unaccent("name")));--> statement-breakpoint
CREATE INDEX "organizations_email_key_idx" ON "organizations" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "contacts_search_name_key_idx" ON "contacts" USING btree ("search_name");