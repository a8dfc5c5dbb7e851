// E-mail rendering: a template's own `subject` (what a workflow e-mail is about) is not replaced
// by the e-mail's subject line, which the layout shows as the HTML title.
import { renderEmail } from '../../src/lib/mail';

describe('renderEmail', () => {
  test('a workflow assignment names the convention, and the HTML title is the subject line', () => {
    const email = renderEmail('workflow_assignment', {
      displayName: 'Agathe Rousseau',
      stepLabel: 'Revue juridique',
      circuit: 'Circuit de validation des conventions',
      subject: 'Convention d’alternance — Université de Poitiers',
      link: 'http://passerelle.test/validations/etapes/1',
    });
    expect(email.subject).toBe('Passerelle : validation demandée — Revue juridique');
    expect(email.text).toContain('Revue juridique — Convention d’alternance — Université de Poitiers');
    expect(email.html).toContain('<title>Passerelle : validation demandée — Revue juridique</title>');
    expect(email.html).toContain('Convention d’alternance — Université de Poitiers');
  });
});
