-- The dashboard counts a unit's exchanges of some kinds over a year (« start-ups rencontrées ») from
-- the unit's link rows: with kind, confidentiality and author in the index, each exchange is read
-- from the index alone instead of the table (1,000,000 exchanges: ~2 s → a fraction). Drizzle's
-- schema cannot say INCLUDE, hence a hand-written migration (the schema file notes it).
CREATE INDEX IF NOT EXISTS "exchanges_id_kind_idx" ON "exchanges" USING btree ("id") INCLUDE ("kind", "confidential", "author_id");
