-- Reference data every installation starts with; admins extend it from the UI.
INSERT INTO units (code, name, kind) VALUES
  ('DDPSI', 'DDPSI', 'direction'),
  ('UO-SUP', 'UO Sup-concours', 'unite_operationnelle'),
  ('UO-PRO', 'UO Pro', 'unite_operationnelle'),
  ('DAJ', 'Direction des affaires juridiques', 'direction'),
  ('DAF', 'Direction des affaires financières', 'direction'),
  ('DCOM', 'Direction commerciale', 'direction'),
  ('DMKT', 'Direction marketing', 'direction'),
  ('DFOR', 'Direction des formations', 'direction')
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO organization_kinds (code, label, position) VALUES
  ('universite', 'Université', 10),
  ('ecole', 'École / grand établissement', 20),
  ('startup', 'Start-up', 30),
  ('entreprise', 'Entreprise', 40),
  ('institution_publique', 'Institution publique (ministère, agence, opérateur)', 50),
  ('collectivite', 'Collectivité territoriale', 60),
  ('federation_sportive', 'Fédération sportive', 70),
  ('creps', 'CREPS / centre sportif', 80),
  ('tiers_lieu', 'Tiers-lieu (Campus connecté, Digitale académie)', 90),
  ('cfa', 'CFA', 100),
  ('lycee', 'Lycée', 110),
  ('reseau_association', 'Réseau / association', 120),
  ('opco', 'Opérateur de compétences (OPCO)', 130)
ON CONFLICT DO NOTHING;
