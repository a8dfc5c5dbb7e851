-- French search prerequisites (DESIGN.md §7), present from the first migration on both
-- PostgreSQL and PGlite: accent-insensitive full-text search and trigram similarity.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- unaccent() is only STABLE (it reads a dictionary chosen by search_path); generated columns
-- and index expressions need an IMMUTABLE function, so pin the dictionary explicitly.
CREATE OR REPLACE FUNCTION immutable_unaccent(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, input) $$;
--> statement-breakpoint
-- A text-search configuration that strips accents before French stemming:
-- to_tsvector('fr_unaccent', 'Université') matches a search for 'universite'.
CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fr_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
