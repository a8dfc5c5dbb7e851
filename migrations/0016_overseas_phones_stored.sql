-- Overseas France numbers stored before the overseas rule of src/lib/phones.ts under the
-- metropolitan code (+33269…, +33263…, +33508…: libphonenumber took those ranges for
-- metropolitan numbers) get their territory's own E.164 form, the one parsePhone now gives, so
-- that one number has one stored form and a re-import does not count it as a change.
-- Same ranges as OVERSEAS_RANGES in src/lib/phones.ts (9 significant digits after +33).
CREATE OR REPLACE FUNCTION pg_temp.overseas_e164(phone text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN phone ~ '^\+33(262|263|269|639|692|693)\d{6}$' THEN '+262' || substr(phone, 4)
    WHEN phone ~ '^\+33(590|690|691)\d{6}$' THEN '+590' || substr(phone, 4)
    WHEN phone ~ '^\+33(594|694)\d{6}$' THEN '+594' || substr(phone, 4)
    WHEN phone ~ '^\+33(596|696|697)\d{6}$' THEN '+596' || substr(phone, 4)
    WHEN phone ~ '^\+33508\d{6}$' THEN '+508' || substr(phone, 7)
    ELSE phone
  END
$$;--> statement-breakpoint
UPDATE organizations SET phone = pg_temp.overseas_e164(phone)
 WHERE phone IS NOT NULL AND phone <> pg_temp.overseas_e164(phone);--> statement-breakpoint
UPDATE contacts SET phones = ARRAY(
  SELECT converted FROM (SELECT pg_temp.overseas_e164(x.p) AS converted, min(x.n) AS position
                           FROM unnest(phones) WITH ORDINALITY AS x(p, n) GROUP BY 1) AS numbers
   ORDER BY position)
 WHERE EXISTS (SELECT 1 FROM unnest(phones) AS p WHERE p <> pg_temp.overseas_e164(p));
