// Deterministic French text and people for the activity benchmark (issue 12): what exchanges
// are about, the sentences of their notes, task titles, tags, and the ~200 users of the
// institution spread over its units. The rows themselves are generated in SQL by
// bench/generate-activity.ts from these pools (a hash of the row number picks each value).
import { fakerFR as faker } from '@faker-js/faker';

/** Subjects of exchanges (« résumé »); half of them get « avec <organisation> » appended. */
export const EXCHANGE_TOPICS = [
  "Présentation de l'offre de formation à distance",
  'Point d’étape sur la convention de partenariat',
  'Découverte de la start-up et de sa solution EdTech',
  'Préparation du salon Educatech',
  "Accueil d'alternants à la rentrée",
  'Demande de devis pour une formation sur mesure',
  "Suivi du projet de plateforme d'apprentissage adaptatif",
  'Rencontre au salon VivaTech',
  'Visite du campus et des plateaux techniques',
  'Tarifs pour les stagiaires de la formation continue',
  'Réunion de lancement du projet commun',
  'Bilan annuel du partenariat',
  "Candidature commune à l'appel à projets France 2030",
  "Taxe d'apprentissage : orientation du solde",
  "Mise en place d'un parcours hybride",
  "Certification Qualiopi : retour d'expérience",
  "Co-construction d'un MOOC",
  'Intervention lors de la journée portes ouvertes',
  'Préparation du comité de pilotage',
  'Relance sur la signature de la convention',
  'Présentation du DAEU à distance',
  "Projet de tiers-lieu éducatif",
  'Sport de haut niveau et aménagement des études',
  'Accompagnement des sportifs en reconversion',
  "Intelligence artificielle et évaluation des apprentissages",
  "Démonstration d'un simulateur en réalité virtuelle",
  'Formation des formateurs au numérique',
  'Recrutement de tuteurs pour la rentrée',
  'Partenariat pour la préparation aux concours',
  "Retour sur l'expérimentation en lycée professionnel",
  "Mise à jour des contacts et de l'organigramme",
  'Suivi budgétaire et facturation',
  'Projet Erasmus+ de mobilité des apprenants',
  'Atelier de design pédagogique',
  'Accessibilité des contenus et situations de handicap',
  'Financement des parcours par le CPF',
  "Webinaire commun sur l'orientation",
  'Programme sport-santé avec le CREPS',
  'Renouvellement de la convention-cadre',
  "Déploiement de la plateforme LMS",
  "Incubateur : présentation de la promotion",
  'Préparation aux métiers de la transition écologique',
  'Certification de compétences numériques (Pix)',
  'Micro-certifications et open badges',
  "Plan de formation de l'OPCO",
  'Validation des acquis de l’expérience (VAE)',
  'Classe virtuelle et tutorat synchrone',
  'Licence professionnelle en alternance',
] as const;

/** Sentences of the notes (2–4 per exchange, joined with spaces or line breaks). */
export const NOTE_SENTENCES = [
  'La directrice souhaite un premier pilote avec une trentaine d’apprenants au printemps.',
  'Ils utilisent déjà Moodle et cherchent un partenaire pour la production de contenus.',
  'Le budget dépend de la subvention régionale, réponse attendue fin du trimestre.',
  'Intérêt fort pour nos parcours certifiants en comptabilité et gestion.',
  'Besoin de 12 places en alternance pour la rentrée de septembre.',
  'Question sur la reconnaissance des crédits ECTS par leur université.',
  'Ils proposent de co-animer un atelier lors du prochain salon.',
  'Le référent handicap doit valider les aménagements avant toute inscription.',
  'La convention actuelle arrive à échéance : prévoir un avenant.',
  'La start-up lève des fonds et cherche des terrains d’expérimentation.',
  'Démonstration convaincante de leur outil d’évaluation adaptative.',
  'Les formateurs manquent de temps pour se former aux classes virtuelles.',
  'Devis envoyé par courriel, relance prévue dans quinze jours.',
  'Le lycée professionnel accueille des élèves de bac pro commerce et vente.',
  'Plusieurs sportifs de haut niveau sont concernés par le double projet.',
  'Ils veulent intégrer nos ressources dans leur plateforme via LTI.',
  'Rendez-vous reporté à cause des congés scolaires.',
  'La fédération prépare un plan de reconversion pour ses athlètes.',
  'Échange cordial, pas de besoin immédiat mais contact à garder.',
  'Le CFA envisage une formation mixte présentiel et distance pour ses apprentis.',
  'Les données des apprenants doivent rester hébergées en France (RGPD).',
  'La collectivité finance un tiers-lieu dans l’ancienne gare.',
  'Leur OPCO prend en charge la formation des tuteurs.',
  'Ils demandent une attestation Qualiopi et le bilan pédagogique.',
  'Idée de projet commun autour de l’intelligence artificielle générative.',
  'Le CREPS propose d’héberger les regroupements en présentiel.',
  'Le chef d’entreprise recrute trois développeurs en alternance.',
  'Présentation du catalogue 2026 et des nouveautés en cybersécurité.',
  'Ils souhaitent un tarif préférentiel pour leurs salariés.',
  'Contact rencontré sur le stand, carte de visite récupérée.',
  'La vice-présidente numérique est favorable à une convention-cadre.',
  'Rappel des échéances de la taxe d’apprentissage.',
  'Le dossier Erasmus+ doit être déposé avant le mois de mars.',
  'Prévoir une visite des locaux avec l’équipe pédagogique.',
  'Leur solution de réalité virtuelle vise les métiers du bâtiment.',
  'Retour très positif des stagiaires sur le premier module.',
  'Ils attendent une proposition écrite avec un calendrier.',
  'Le juriste doit relire la clause de propriété intellectuelle.',
  'Facturation trimestrielle souhaitée, bon de commande à venir.',
  'Ils cherchent un partenaire pour préparer les concours de la fonction publique.',
  'Le conseil d’administration se prononcera en juin.',
  'Question sur l’accessibilité RGAA de nos contenus vidéo.',
  'La start-up a été lauréate d’un concours d’innovation pédagogique.',
  'Souhait de mutualiser les achats de licences logicielles.',
  'Nouvel interlocuteur suite au départ du responsable formation.',
  'Ils organisent un hackathon étudiant et cherchent des sponsors.',
  'Proposition de webinaire commun sur l’orientation post-bac.',
  'Suivi des inscriptions : 45 candidats à ce jour.',
  'La médiathèque met à disposition une salle équipée pour les examens.',
  'Intérêt pour les micro-certifications et les open badges.',
] as const;

export const TASK_TITLES = [
  'Envoyer la proposition de partenariat',
  'Relancer pour la signature de la convention',
  'Transmettre le devis',
  'Préparer le compte rendu de la réunion',
  'Planifier une visite sur site',
  'Envoyer le catalogue des formations',
  'Organiser une démonstration de la plateforme',
  'Vérifier les pièces du dossier',
  'Relancer la start-up après le salon',
  'Proposer des dates pour le comité de pilotage',
  "Mettre à jour la fiche de l'organisation",
  'Transmettre la convention au service juridique',
  'Appeler le référent handicap',
  'Préparer le bilan annuel',
  'Envoyer les identifiants de la plateforme',
  'Confirmer le nombre de places en alternance',
  'Répondre à la demande de tarif',
  'Inviter au webinaire',
  'Faire signer le bon de commande',
  'Présenter le projet en réunion de direction',
] as const;

export const EXCHANGE_TAGS = [
  'edtech', 'alternance', 'apprentissage', 'salon', 'convention', 'ia', 'numérique', 'sport', 'handicap', 'orientation',
  'europe', 'financement', 'qualiopi', 'cpf', 'innovation', 'recrutement', 'lycée pro', 'supérieur', 'formation continue',
  'partenariat', 'tiers-lieu', 'concours', 'vae', 'cybersécurité', 'incubateur',
] as const;

/** Values an organisation's journal rows change (issue 12's timeline renders them with French labels). */
export const JOURNAL_FIELDS = ['phone', 'website', 'status', 'tags', 'description', 'email', 'addressLine', 'acronym'] as const;

/** How the ~200 users are spread over the units (by code), and the roles they hold. */
export const UNIT_HEADCOUNTS: Record<string, number> = {
  DDPSI: 40, 'UO-SUP': 35, 'UO-PRO': 35, DCOM: 30, DFOR: 25, DMKT: 15, DAJ: 10, DAF: 10,
};

export interface GeneratedUser {
  email: string;
  displayName: string;
  roles: string[];
  unitCodes: string[];
}

/**
 * The institution's users besides the bench account and the directory's 8 owners: in each unit
 * two managers, the rest chargés (juristes at the DAJ, finance at the DAF), one lecteur in ten;
 * one user in ten belongs to a second unit.
 */
export function generateUsers(seed: number, total: number): GeneratedUser[] {
  faker.seed(seed + 12);
  const codes = Object.keys(UNIT_HEADCOUNTS);
  const scale = total / Object.values(UNIT_HEADCOUNTS).reduce((sum, count) => sum + count, 0);
  const users: GeneratedUser[] = [];
  for (const code of codes) {
    const count = Math.max(2, Math.round((UNIT_HEADCOUNTS[code] as number) * scale));
    for (let index = 0; index < count && users.length < total; index += 1) {
      const role =
        index < 2 ? 'manager' : code === 'DAJ' ? 'juriste' : code === 'DAF' ? 'finance' : index % 10 === 9 ? 'lecteur' : 'charge';
      const unitCodes = [code];
      if (users.length % 10 === 3) unitCodes.push(codes[(codes.indexOf(code) + 1) % codes.length] as string);
      const firstName = faker.person.firstName();
      const lastName = faker.person.lastName();
      users.push({
        email: `activite-${String(users.length + 1).padStart(3, '0')}@passerelle.test`,
        displayName: `${firstName} ${lastName}`,
        roles: [role],
        unitCodes,
      });
    }
  }
  return users;
}

/** Where « salon » exchanges happen. */
export const SALONS = [
  'Salon Educatech Expo, Paris Porte de Versailles',
  'VivaTech, Paris',
  "Salon de l'Étudiant, Lyon Eurexpo",
  'Learning Technologies France, Paris',
  "Salon européen de l'éducation, Paris",
  'Forum des formations, Lille Grand Palais',
  'Salon des solutions RH, Marseille',
  'Rencontres EdTech, Bordeaux',
] as const;
