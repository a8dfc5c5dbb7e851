// Demo accounts for `npm run seed`: one per role, plus a second chargé·e de partenariat in an
// operational unit. The people are invented (no name from the source documents) and the
// addresses use the reserved `.example` domain. docs/demo-data.md lists them with their password.
//
// These accounts exist only in a database where `npm run seed` was run. Never seed a
// production database: the password below is public.
import type { Role } from '../models/schema';

/** The one password of every demo account (documented in docs/demo-data.md). */
export const DEMO_PASSWORD = 'Demo-Passerelle-2026!';

export interface DemoUser {
  /** Login identifier, lower case. */
  email: string;
  displayName: string;
  roles: Role[];
  /** Unit codes (migrations/0002_reference_data.sql). */
  unitCodes: string[];
  password: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    email: 'heloise.marchand@passerelle.example',
    displayName: 'Héloïse Marchand',
    roles: ['admin'],
    unitCodes: ['DDPSI'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'bastien.lefebvre@passerelle.example',
    displayName: 'Bastien Lefebvre',
    roles: ['manager'],
    unitCodes: ['DDPSI'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'nadia.ferreira@passerelle.example',
    displayName: 'Nadia Ferreira',
    roles: ['charge'],
    unitCodes: ['DDPSI'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'yannick.legoff@passerelle.example',
    displayName: 'Yannick Le Goff',
    roles: ['charge'],
    unitCodes: ['UO-SUP'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'agathe.rousseau@passerelle.example',
    displayName: 'Agathe Rousseau',
    roles: ['juriste'],
    unitCodes: ['DAJ'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'karim.benali@passerelle.example',
    displayName: 'Karim Benali',
    roles: ['finance'],
    unitCodes: ['DAF'],
    password: DEMO_PASSWORD,
  },
  {
    email: 'margaux.perrin@passerelle.example',
    displayName: 'Margaux Perrin',
    roles: ['lecteur'],
    unitCodes: ['UO-PRO'],
    password: DEMO_PASSWORD,
  },
];
