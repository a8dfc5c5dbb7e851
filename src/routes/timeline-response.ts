// GET /structures/:id/historique, /contacts/:id/historique, /conventions/:id/historique: one
// record's history (timeline.service). htmx asks for a fragment — the whole block when the
// filters change (#record-timeline), the next entries when « Voir plus » is pressed
// (#timeline-more); without JavaScript the same URL is a simple page.
import type { Request, Response } from 'express';
import { t } from '../lib/i18n';
import { type TimelineSubjectType, readTimeline } from '../services/timeline.service';
import { render, serviceContext } from '../web/http';

const RECORDS: Record<TimelineSubjectType, { listLabel: string; listHref: string; recordHref: string }> = {
  organization: { listLabel: 'organizations.title', listHref: '/structures', recordHref: '/structures' },
  contact: { listLabel: 'contacts.title', listHref: '/contacts', recordHref: '/contacts' },
  convention: { listLabel: 'conventions.title', listHref: '/conventions', recordHref: '/conventions' },
  sourcing_case: { listLabel: 'timeline.sourcingCrumb', listHref: '/sourcing', recordHref: '/sourcing/pistes' },
  sourcing_challenge: { listLabel: 'timeline.challengesCrumb', listHref: '/sourcing/defis', recordHref: '/sourcing/defis' },
};

/** The case and challenge pages load their timeline in place (hx-get on load, any target): the block. */
const EMBEDDED: readonly TimelineSubjectType[] = ['sourcing_case', 'sourcing_challenge'];

export function timelineHandler(type: TimelineSubjectType) {
  return async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const timeline = await readTimeline(serviceContext(req), { type, id }, req.query);
    if (req.isHtmx && !req.isBoosted) {
      const target = req.get('HX-Target');
      if (target === 'timeline-more') return res.render('partials/timeline/entries', { ...timeline, layout: false });
      if (target === 'record-timeline' || EMBEDDED.includes(type)) return res.render('partials/timeline/timeline', { timeline, layout: false });
    }
    const record = RECORDS[type];
    const recordHref = `${record.recordHref}/${id}`;
    render(req, res, 'timeline/show', {
      title: t('timeline.pageTitle', { name: timeline.subject.label }),
      timeline,
      recordHref,
      breadcrumb: [{ label: t(record.listLabel), href: record.listHref }, { label: timeline.subject.label, href: recordHref }, { label: t('timeline.title') }],
    });
  };
}
