-- Helpers for the partner directory's generated search columns. array_to_string() is only
-- STABLE, and generated columns and index expressions need IMMUTABLE functions.
CREATE OR REPLACE FUNCTION immutable_text_list(items text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(items, ' '), '') $$;
--> statement-breakpoint
-- The same accent- and case-free form the application uses for search input and tags.
CREATE OR REPLACE FUNCTION search_normalize(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(immutable_unaccent(input)) $$;
